/** An MQTT JSON device resolved against its profile: the broker, the topics and the mapping. */
import type { DeviceSpec } from '../../config/device-spec.js';
import { deviceNamePattern } from '../../config/names.js';
import { pointSpecOf, type DeviceProfile } from '../../profiles/index.js';
import type { DeviceProblem } from '../driver-entry.js';
import type { JsonPoint } from '../json-mapping/json-mapping.js';
import type { JsonProfileDocument } from '../json-mapping/json-profile-schema.js';
import type { PathExpression } from '../json-mapping/path-expression.js';
import { checkConnection, resolveConnection, workingFolderContext, type ConnectionContext, type MqttConnection } from './connection-config.js';
import type { MqttDeviceDocument } from './mqtt-config.js';
import { parseTopicPattern, type TopicPattern } from './topic-pattern.js';

export interface MqttTopic {
  /** The message it carries; undefined for the one topic of `topic:`. */
  message?: string;
  pattern: string;
}

export interface MqttDevice extends DeviceSpec {
  protocol: 'mqtt';
  connection: MqttConnection;
  topics: MqttTopic[];
  jsonPoints: JsonPoint[];
  timestampPath?: PathExpression;
  maxDevices: number;
  /** Offline after this long without a message; undefined: only with the broker. */
  staleAfterMs?: number;
}

export function resolveMqttDevice(device: MqttDeviceDocument, profile: DeviceProfile, context: ConnectionContext = workingFolderContext()): MqttDevice {
  const document = profile.document as JsonProfileDocument;
  const topics: MqttTopic[] = device.topic !== undefined ? [{ pattern: device.topic }] : Object.entries(device.topics ?? {}).map(([message, pattern]) => ({ message, pattern }));
  return {
    name: device.name,
    protocol: 'mqtt',
    profile: profile.name,
    // Pushed: the device decides when values come.
    points: document.points.map((point) => pointSpecOf(point, 0, device.reportByException)),
    connection: resolveConnection(device, context),
    topics,
    jsonPoints: document.points.map((point) => ({ name: point.name, path: point.path, type: point.type, states: point.states, message: point.message })),
    timestampPath: document.timestampPath,
    maxDevices: device.maxDevices,
    staleAfterMs: device.staleAfter,
  };
}

/** The topic patterns, parsed; the device has passed `checkMqttDevice`. */
export function topicPatterns(device: MqttDevice): Array<{ message?: string; pattern: TopicPattern }> {
  return device.topics.map((topic) => {
    const pattern = parseTopicPattern(topic.pattern);
    if ('error' in pattern) throw new Error(pattern.error);
    return { message: topic.message, pattern };
  });
}

export function checkMqttDevice(device: MqttDevice): DeviceProblem[] {
  const problems = checkConnection(device.connection);
  const problem = (path: Array<string | number>, message: string, fix: string) => problems.push({ path, message, fix });
  const messages = [...new Set(device.jsonPoints.flatMap((point) => (point.message === undefined ? [] : [point.message])))];
  const configured = device.topics.flatMap((topic) => (topic.message === undefined ? [] : [topic.message]));
  const single = device.topics.length === 1 && device.topics[0]!.message === undefined;
  if (device.topics.length === 0) {
    problem(['topic'], 'no topic to subscribe to', messages.length > 0 ? `add topics: with a topic for each message of profile ${device.profile} (${messages.join(', ')})` : 'add topic: e.g. chargers/{device}/status');
  } else if (single && messages.length > 0) {
    problem(['topic'], `profile ${device.profile} spreads its points over the messages ${messages.join(', ')}, and topic: gives one topic`, `replace topic: with topics: { ${messages.map((m) => `${m}: …`).join(', ')} }`);
  }
  for (const message of messages) {
    if (!single && !configured.includes(message)) problem(['topics'], `no topic for message ${message}, which carries points of profile ${device.profile}`, `add ${message}: <topic> under topics`);
  }
  for (const message of configured) {
    if (!messages.includes(message)) problem(['topics', message], `profile ${device.profile} has no point in message ${message}`, messages.length > 0 ? `use the profile's messages: ${messages.join(', ')}` : 'give one topic with topic: instead of topics:');
  }
  const patterns = device.topics.map((topic) => ({ topic, parsed: parseTopicPattern(topic.pattern) }));
  for (const { topic, parsed } of patterns) {
    if ('error' in parsed) problem(topic.message === undefined ? ['topic'] : ['topics', topic.message], parsed.error, parsed.fix);
  }
  const parsed = patterns.flatMap(({ parsed: pattern }) => ('error' in pattern ? [] : [pattern]));
  const captures = parsed.filter((pattern) => pattern.capturesDevice).length;
  if (captures > 0 && captures < parsed.length) {
    problem(['topics'], 'some topics name the device with {device} and some do not', 'put {device} in every topic, or in none');
  }
  if (device.staleAfterMs !== undefined && device.staleAfterMs <= 0) problem(['staleAfter'], 'staleAfter must be longer than 0', 'give the longest a device may stay quiet, e.g. 5m, or remove staleAfter');
  device.connection.embedded?.users.forEach((user, index) => {
    if (user.device === undefined) return;
    const at = ['embedded', 'users', index, 'device'];
    if (captures === 0) problem(at, `user ${user.username} is bound to device ${user.device}, but no topic names the device`, 'add a {device} level to the topics, or remove device');
    else if (!deviceNamePattern.test(user.device)) problem(at, `"${user.device}" is not a device name`, 'use letters, digits, "_", "." and "-"');
  });
  return problems;
}
