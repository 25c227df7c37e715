export * from './gen/davy/uplink/v1/uplink.js';
export * as sparkplugB from './gen/org/eclipse/tahu/protobuf/sparkplug_b.js';
export { gatewayIdPattern } from './gateway-id.js';
export * from './nats-names.js';
