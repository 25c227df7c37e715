import type { DriverEntry } from '../driver-entry.js';
import { checkModbusTcpDevice, resolveModbusTcpDevice, type ModbusTcpDevice } from './modbus-device.js';
import { modbusTcpDeviceSchema } from './modbus-tcp-config.js';
import { ModbusTcpDriver, planPollGroups } from './modbus-tcp-driver.js';

export const modbusTcpEntry: DriverEntry<typeof modbusTcpDeviceSchema, ModbusTcpDevice> = {
  deviceSchema: modbusTcpDeviceSchema,
  profileProtocol: 'modbus',
  resolve: resolveModbusTcpDevice,
  check: checkModbusTcpDevice,
  create: (device, log) => new ModbusTcpDriver(device, log),
  describe: (device) => {
    const requests = planPollGroups(device).reduce((sum, group) => sum + group.reads.length, 0);
    return { address: `${device.host}:${device.port} unit ${device.unitId}`, reading: `${requests} request${requests === 1 ? '' : 's'} per poll cycle` };
  },
};
