export * from './gen/davy/uplink/v1/uplink.js';
export { gatewayIdPattern } from './gateway-id.js';
