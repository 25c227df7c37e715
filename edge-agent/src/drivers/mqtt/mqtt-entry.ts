import { formatDurationMs } from '@davy/runtime';
import type { DeviceSpec } from '../../config/device-spec.js';
import type { DriverEntry } from '../driver-entry.js';
import { problemsBetweenBrokerEntries } from './broker-entries.js';
import { describeBroker } from './connection-config.js';
import { mqttDeviceSchema } from './mqtt-config.js';
import { checkMqttDevice, resolveMqttDevice, type MqttDevice } from './mqtt-device.js';
import { MqttDriver } from './mqtt-driver.js';

export const mqttEntry: DriverEntry<typeof mqttDeviceSchema, MqttDevice> = {
  deviceSchema: mqttDeviceSchema,
  profileProtocol: 'json',
  resolve: resolveMqttDevice,
  check: checkMqttDevice,
  /** `all`: every device of agent.yaml, when the agent passes them (Sparkplug entries share brokers too). */
  checkAll: (devices: MqttDevice[], all?: readonly DeviceSpec[]) =>
    problemsBetweenBrokerEntries(all ?? devices).filter((found): found is { device: MqttDevice; problem: (typeof found)['problem'] } => found.device.protocol === 'mqtt'),
  create: (device, log) => new MqttDriver(device, log),
  describe: (device) => ({
    address: describeBroker(device.connection),
    reading: `subscribes to ${device.topics.map((topic) => topic.pattern).join(', ')} (QoS ${device.connection.qos})${device.staleAfterMs === undefined ? '' : `, offline after ${formatDurationMs(device.staleAfterMs)} without a message`}`,
  }),
};
