/** The transport of a device entry: the embedded broker's, or a client of an external one. */
import type { Logger } from '@davy/runtime';
import type { BrokerUser } from './embedded-broker/broker-users.js';
import { BrokerClient } from './broker-client.js';
import { embeddedBroker, type MqttConnection } from './connection-config.js';
import { EmbeddedTransport } from './embedded-transport.js';
import type { MqttTransport } from './transport.js';

export function openTransport(
  entry: string,
  connection: MqttConnection,
  filters: readonly string[],
  mayPublish: (topic: string, user: BrokerUser) => boolean,
  log: Logger,
): MqttTransport {
  if (connection.broker === embeddedBroker) return new EmbeddedTransport(entry, connection.embedded!, filters, mayPublish, log);
  return new BrokerClient(connection, filters, log);
}
