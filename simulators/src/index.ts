/** davy-sim's programmatic API: start a simulated device in-process (tests, benchmarks, the demo). */
export { startModbusSimulator, defaultTickMs, type ModbusSimulator, type ModbusSimulatorOptions } from './modbus/simulator.js';
export { ModbusTcpServer, type ModbusTcpServerOptions } from './modbus/server.js';
export { startRtuSimulator, type RtuSimulator, type RtuSimulatorOptions, type RtuSlaveOptions, type RtuTransport } from './modbus/rtu-simulator.js';
export { RegisterBank, addressSpace, type BitTable, type RegisterTable } from './modbus/register-bank.js';
export { exceptionCodes, type RequestHooks } from './modbus/pdu.js';
export { parseOverride, profileBehaviours, behaviourFrom, behaviourKinds, type Behaviour, type Override } from './behaviours/index.js';
export { resolveProfile } from './profile-reference.js';
