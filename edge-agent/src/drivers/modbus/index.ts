/** The Modbus codec and planner, shared with davy-sim (which encodes what the agent decodes). */
export * from './data-types.js';
export { decodeRegisters, encodeValue, type DecodedValue, type RegisterLayout } from './codec.js';
export { planReads, protocolLimits, type PlanItem, type PlanLimits, type RegisterRead } from './register-plan.js';
export { modbusPointSchema, modbusProfileSchema, type ModbusPointDocument, type ModbusProfileDocument } from './profile-schema.js';
