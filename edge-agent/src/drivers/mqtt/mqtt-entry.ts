import type { DriverEntry } from '../driver-entry.js';
import { describeBroker } from './connection-config.js';
import { mqttDeviceSchema } from './mqtt-config.js';
import { checkMqttDevice, resolveMqttDevice, type MqttDevice } from './mqtt-device.js';
import { MqttDriver } from './mqtt-driver.js';

export const mqttEntry: DriverEntry<typeof mqttDeviceSchema, MqttDevice> = {
  deviceSchema: mqttDeviceSchema,
  profileProtocol: 'json',
  resolve: resolveMqttDevice,
  check: checkMqttDevice,
  create: (device, log) => new MqttDriver(device, log),
  describe: (device) => ({
    address: describeBroker(device.connection),
    reading: `subscribes to ${device.topics.map((topic) => topic.pattern).join(', ')} (QoS ${device.connection.qos})`,
  }),
};
