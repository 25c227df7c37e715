/** The transport of a device entry: the embedded broker's, or a client of an external one. */
import type { Logger } from '@davy/runtime';
import { BrokerClient } from './broker-client.js';
import { embeddedBroker, type MqttConnection } from './connection-config.js';
import { EmbeddedTransport } from './embedded-transport.js';
import type { MqttTransport, TopicRules } from './transport.js';

export function openTransport(entry: string, connection: MqttConnection, filters: readonly string[], rules: TopicRules, log: Logger): MqttTransport {
  if (connection.broker === embeddedBroker) return new EmbeddedTransport(entry, connection.embedded!, filters, rules, log);
  return new BrokerClient(connection, filters, log);
}
