import { formatDurationMs } from '@davy/runtime';
import type { DriverEntry } from '../driver-entry.js';
import { opcuaDeviceSchema } from './opcua-config.js';
import { checkOpcuaDevice, resolveOpcuaDevice, type OpcuaDevice } from './opcua-device.js';
import { OpcuaDriver } from './opcua-driver.js';

export const opcuaEntry: DriverEntry<typeof opcuaDeviceSchema, OpcuaDevice> = {
  deviceSchema: opcuaDeviceSchema,
  profileProtocol: 'opcua',
  resolve: resolveOpcuaDevice,
  check: checkOpcuaDevice,
  create: (device, log) => new OpcuaDriver(device, log),
  describe: (device) => {
    const security = device.securityMode === 'None' ? 'no security' : `${device.securityMode} ${device.securityPolicy}`;
    const reading =
      device.mode === 'subscribe'
        ? `subscription, publishing every ${formatDurationMs(device.publishingIntervalMs)}; ${security}; ${device.auth.type}`
        : `polled reads; ${security}; ${device.auth.type}`;
    return { address: device.endpoint, reading };
  },
};
