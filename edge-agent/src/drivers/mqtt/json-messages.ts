/**
 * Which device and which message a topic carries, and the message's readings: the topic is
 * matched against the entry's patterns (a {device} level names the device, else it is the
 * entry's own), then the payload is mapped by the profile. Shared by the running driver and
 * `davy-agent device test`.
 */
import type { PointReading } from '../driver.js';
import { JsonMapping, type MappingProblem } from '../json-mapping/json-mapping.js';
import type { BrokerUser } from './embedded-broker/broker-users.js';
import { topicPatterns, type MqttDevice } from './mqtt-device.js';
import type { TopicPattern } from './topic-pattern.js';

export type RoutedMessage =
  | { device: string; message?: string; readings: PointReading[]; problems: MappingProblem[] }
  | { device: string; malformed: string }
  | { unmatched: true };

export class JsonMessages {
  readonly filters: string[];
  private readonly patterns: Array<{ message?: string; pattern: TopicPattern }>;
  private readonly mapping: JsonMapping;

  constructor(private readonly spec: MqttDevice) {
    this.patterns = topicPatterns(spec);
    this.filters = this.patterns.map(({ pattern }) => pattern.filter);
    this.mapping = new JsonMapping(spec.jsonPoints, spec.timestampPath);
  }

  /** The messages the profile spreads its points over (none: one message carries them all). */
  get messages(): Array<string | undefined> {
    return this.patterns.map(({ message }) => message);
  }

  route(topic: string, payload: Buffer, receivedMs: number): RoutedMessage {
    for (const { message, pattern } of this.patterns) {
      const match = pattern.match(topic);
      if (!match) continue;
      const device = match.device ?? this.spec.name;
      const mapped = this.mapping.map(payload, receivedMs, message);
      return 'malformed' in mapped ? { device, malformed: mapped.malformed } : { device, message, ...mapped };
    }
    return { unmatched: true };
  }

  /** The embedded broker's rule: a user publishes only on these topics, and only as its own device. */
  mayPublish(topic: string, user: BrokerUser): boolean {
    return this.patterns.some(({ pattern }) => {
      const match = pattern.match(topic);
      return match !== undefined && (user.device === undefined || match.device === user.device);
    });
  }
}
