/**
 * What the Modbus family offers the folders around it — the RTU transport (`../modbus-rtu/`),
 * `davy-agent device probe`, and davy-sim (`@davy/edge-agent/modbus`, which encodes what the
 * agent decodes). Nothing outside this folder imports its files directly.
 */
export * from './data-types.js';
export { decodeRegisters, encodeValue, type DecodedValue, type RegisterLayout } from './codec.js';
export { planReads, protocolLimits, type PlanItem, type PlanLimits, type RegisterRead } from './register-plan.js';
export { modbusPointSchema, modbusProfileSchema, type ModbusPointDocument, type ModbusProfileDocument } from './profile-schema.js';
export { checkModbusDevice, resolveModbusPolling, type MapExpectation, type ModbusPoint, type ModbusPolledDevice } from './modbus-points.js';
export { modbusPollFields } from './modbus-device-fields.js';
export { planPollGroups, requestsPerCycle, type PollGroup } from './poll-groups.js';
export { PollTimers } from './poll-timers.js';
export { readGroup, unreadGroup } from './group-read.js';
export { formatRegisters } from './point-readings.js';
export { DeviceStatus } from './device-status.js';
export { describeRange, ModbusReadError, readFailure, type ModbusConnection, type ReadFailureKind, type ReadRange, type TableData } from './modbus-connection.js';
export { ConnectionKeeper } from './connection-keeper.js';
export { ModbusTcpConnection } from './tcp-connection.js';
export { interpretRegisters, orderNames, type InterpretationSection } from './register-interpretations.js';
