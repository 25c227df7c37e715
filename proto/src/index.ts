export * from './gen/davy/uplink/v1/uplink.js';
