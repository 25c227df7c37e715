/** A Sparkplug B entry resolved against its profile: the broker, the edge node, the metric map. */
import type { DeviceSpec } from '../../../config/device-spec.js';
import { deviceNamePattern } from '../../../config/names.js';
import { pointSpecOf, type DeviceProfile } from '../../../profiles/index.js';
import type { DeviceProblem } from '../../driver-entry.js';
import { checkConnection, resolveConnection, workingFolderContext, type ConnectionContext, type MqttConnection } from '../connection-config.js';
import type { SparkplugDeviceDocument } from './sparkplug-config.js';
import type { SparkplugProfileDocument } from './profile-schema.js';

export interface SparkplugDevice extends DeviceSpec {
  protocol: 'sparkplug';
  connection: MqttConnection;
  groupId: string;
  edgeNode: string;
  /** Undefined: the edge node's own metrics are this device's. */
  devices?: '*' | string[];
  /** Sparkplug metric name → point name. */
  metrics: Map<string, string>;
  maxDevices: number;
}

export function resolveSparkplugDevice(device: SparkplugDeviceDocument, profile: DeviceProfile, context: ConnectionContext = workingFolderContext()): SparkplugDevice {
  const document = profile.document as SparkplugProfileDocument;
  return {
    name: device.name,
    protocol: 'sparkplug',
    profile: profile.name,
    points: document.points.map((point) => pointSpecOf(point, 0, device.reportByException)),
    connection: resolveConnection(device, context),
    groupId: device.groupId,
    edgeNode: device.edgeNode,
    devices: device.devices,
    metrics: new Map(document.points.map((point) => [point.sparkplugMetric, point.name])),
    maxDevices: device.maxDevices,
  };
}

export function checkSparkplugDevice(device: SparkplugDevice): DeviceProblem[] {
  const problems = checkConnection(device.connection);
  if (Array.isArray(device.devices)) {
    device.devices.forEach((id, index) => {
      if (!deviceNamePattern.test(id)) {
        problems.push({ path: ['devices', index], message: `Sparkplug device "${id}" would become a device of that name, which cannot hold its characters`, fix: 'read it with devices: * only if every id is made of letters, digits, "_", "." and "-"' });
      }
    });
  }
  device.connection.embedded?.users.forEach((user, index) => {
    if (user.device !== undefined) {
      problems.push({ path: ['embedded', 'users', index, 'device'], message: 'device binds a user to a {device} topic level, which Sparkplug topics do not have', fix: 'remove device' });
    }
  });
  return problems;
}
