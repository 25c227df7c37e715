import type { DriverEntry } from '../driver-entry.js';
import { resolveModbusTcpDevice, type ModbusTcpDevice } from './modbus-device.js';
import { checkModbusDevice } from './modbus-points.js';
import { modbusTcpDeviceSchema } from './modbus-tcp-config.js';
import { ModbusTcpDriver } from './modbus-tcp-driver.js';
import { planPollGroups, requestsPerCycle } from './poll-groups.js';

export const modbusTcpEntry: DriverEntry<typeof modbusTcpDeviceSchema, ModbusTcpDevice> = {
  deviceSchema: modbusTcpDeviceSchema,
  profileProtocol: 'modbus',
  resolve: resolveModbusTcpDevice,
  check: checkModbusDevice,
  create: (device, log) => new ModbusTcpDriver(device, log),
  describe: (device) => ({ address: `${device.host}:${device.port} unit ${device.unitId}`, reading: requestsPerCycle(planPollGroups(device)) }),
};
