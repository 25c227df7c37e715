/** The OPC UA profile schema and node addressing, shared with davy-sim (which serves what the agent reads). No node-opcua here. */
export { opcuaDataTypes, opcuaPointSchema, opcuaProfileSchema, type OpcuaDataType, type OpcuaPointDocument, type OpcuaProfileDocument } from './profile-schema.js';
export { parseNodeId, parseBrowsePath, portableNodeId, type NodeIdText } from './node-address.js';
export { routeLibraryMessages } from './opcua-library.js';
