import type { DeviceSpec } from '../../../config/device-spec.js';
import type { DriverEntry } from '../../driver-entry.js';
import { problemsBetweenBrokerEntries } from '../broker-entries.js';
import { describeBroker } from '../connection-config.js';
import { sparkplugDeviceSchema } from './sparkplug-config.js';
import { checkSparkplugDevice, resolveSparkplugDevice, type SparkplugDevice } from './sparkplug-device.js';
import { SparkplugDriver } from './sparkplug-driver.js';

export const sparkplugEntry: DriverEntry<typeof sparkplugDeviceSchema, SparkplugDevice> = {
  deviceSchema: sparkplugDeviceSchema,
  profileProtocol: 'sparkplug',
  resolve: resolveSparkplugDevice,
  check: checkSparkplugDevice,
  /** `all`: every device of agent.yaml, when the agent passes them (MQTT entries share brokers too). */
  checkAll: (devices: SparkplugDevice[], all?: readonly DeviceSpec[]) =>
    problemsBetweenBrokerEntries(all ?? devices).filter((found): found is { device: SparkplugDevice; problem: (typeof found)['problem'] } => found.device.protocol === 'sparkplug'),
  create: (device, log) => new SparkplugDriver(device, log),
  describe: (device) => ({
    address: describeBroker(device.connection),
    reading: `Sparkplug B node ${device.groupId}/${device.edgeNode}${device.devices === undefined ? '' : device.devices === '*' ? ', every device' : `, devices ${device.devices.join(', ')}`}`,
  }),
};
