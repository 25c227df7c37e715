import type { DriverEntry } from '../../driver-entry.js';
import { describeBroker } from '../connection-config.js';
import { sparkplugDeviceSchema } from './sparkplug-config.js';
import { checkSparkplugDevice, resolveSparkplugDevice, type SparkplugDevice } from './sparkplug-device.js';
import { SparkplugDriver } from './sparkplug-driver.js';

export const sparkplugEntry: DriverEntry<typeof sparkplugDeviceSchema, SparkplugDevice> = {
  deviceSchema: sparkplugDeviceSchema,
  profileProtocol: 'sparkplug',
  resolve: resolveSparkplugDevice,
  check: checkSparkplugDevice,
  create: (device, log) => new SparkplugDriver(device, log),
  describe: (device) => ({
    address: describeBroker(device.connection),
    reading: `Sparkplug B node ${device.groupId}/${device.edgeNode}${device.devices === undefined ? '' : device.devices === '*' ? ', every device' : `, devices ${device.devices.join(', ')}`}`,
  }),
};
