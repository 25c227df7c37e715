/** What the RTU folder offers the folders around it (`davy-agent device probe`, the benchmark): lines, their connections and drivers. */
export { RtuConnection } from './rtu-connection.js';
export { defaultInterFrameGapMs, type Parity, type RtuLine } from './rtu-line.js';
export { LinePool } from './line-pool.js';
export { modbusRtuDeviceSchema, modbusRtuOverTcpDeviceSchema } from './rtu-config.js';
export { resolveModbusRtuDevice, resolveModbusRtuOverTcpDevice, type ModbusRtuDevice } from './rtu-device.js';
export { ModbusRtuDriver } from './rtu-driver.js';
