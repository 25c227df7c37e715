/**
 * Problems between the MQTT and Sparkplug entries of one agent.yaml that no entry sees alone.
 * Entries that share an embedded broker must give it the same TLS, and a user they both declare
 * the same password and the same device binding (one login, one rule); two embedded brokers
 * cannot take one port. Entries on one external broker must not share a client id: each
 * connect would throw the other off, and the two would take turns forever.
 *
 * A problem is placed at the later entry and names the earlier one. Both entries' `checkAll`
 * call this with every device they are given and keep the problems of their own protocol, so
 * entries of both protocols are compared once the agent hands `checkAll` all its devices.
 */
import { createHash } from 'node:crypto';
import { formatHostPort, parseHostPort } from '@davy/runtime';
import type { DeviceSpec } from '../../config/device-spec.js';
import type { DeviceProblem } from '../driver-entry.js';
import { secretProblem, readSecret } from '../json-mapping/secret-source.js';
import { embeddedBroker, type MqttConnection } from './connection-config.js';
import type { EmbeddedUserDocument } from './embedded-broker/embedded-broker-config.js';

type BrokerEntry = DeviceSpec & { connection: MqttConnection };
type Found<Device> = Array<{ device: Device; problem: DeviceProblem }>;

const brokerProtocols = new Set(['mqtt', 'sparkplug']);
const wildcardHosts = new Set(['0.0.0.0', '::', '']);
const defaultPorts: Record<string, string> = { 'mqtt:': '1883', 'tcp:': '1883', 'mqtts:': '8883', 'ssl:': '8883' };

export function problemsBetweenBrokerEntries<Device extends DeviceSpec>(devices: readonly Device[]): Found<Device> {
  const entries = devices.filter((device): device is Device & BrokerEntry => brokerProtocols.has(device.protocol) && 'connection' in device);
  return [...embeddedProblems(entries.filter((entry) => entry.connection.broker === embeddedBroker)), ...clientIdProblems(entries.filter((entry) => entry.connection.broker !== embeddedBroker))];
}

function embeddedProblems<Device extends BrokerEntry>(entries: Device[]): Found<Device> {
  const found: Found<Device> = [];
  const brokers = new Map<string, Device>();
  const users = new Map<string, { entry: Device; user: EmbeddedUserDocument }>();
  for (const entry of entries) {
    const embedded = entry.connection.embedded;
    const listen = embedded && parseHostPort(embedded.listen);
    if (!embedded || !listen) continue; // the entry's own check says so
    const key = formatHostPort(listen);
    const problem = (path: Array<string | number>, message: string, fix: string) => found.push({ device: entry, problem: { path: ['embedded', ...path], message, fix } });
    const first = brokers.get(key);
    if (!first) {
      const sharedPort = [...brokers].find(([other]) => {
        const otherListen = parseHostPort(other)!;
        return otherListen.port === listen.port && (wildcardHosts.has(otherListen.host) || wildcardHosts.has(listen.host));
      });
      if (sharedPort) {
        problem(['listen'], `${sharedPort[1].name} runs an embedded broker on ${sharedPort[0]}, which takes port ${listen.port} of this address too`, `give both entries the same embedded.listen to share one broker, or another port`);
        continue;
      }
      brokers.set(key, entry);
    } else if (JSON.stringify(embedded.tls ?? null) !== JSON.stringify(first.connection.embedded!.tls ?? null)) {
      problem(
        embedded.tls ? ['tls'] : [],
        `${first.name} runs the embedded broker on ${key} with ${first.connection.embedded!.tls ? 'another' : 'no'} embedded.tls, and entries on one address share one broker`,
        `give every entry on ${key} the same embedded.tls, or another embedded.listen`,
      );
    }
    embedded.users.forEach((user, index) => {
      const id = `${key}\n${user.username}`;
      const earlier = users.get(id);
      if (!earlier) return void users.set(id, { entry, user });
      if (earlier.entry === entry) return; // listed twice in one entry: its own check says so
      const binding = (device: string | undefined) => (device === undefined ? 'no device' : `device ${device}`);
      if (user.device !== earlier.user.device) {
        problem(
          user.device === undefined ? ['users', index] : ['users', index, 'device'],
          `user ${user.username} is bound to ${binding(user.device)} here and to ${binding(earlier.user.device)} in ${earlier.entry.name}, on the same embedded broker ${key}`,
          `give ${user.username} the same device in every entry on ${key}, or a username of its own here`,
        );
      }
      const digest = passwordDigest(user);
      const earlierDigest = passwordDigest(earlier.user);
      if (digest && earlierDigest && !digest.equals(earlierDigest)) {
        problem(
          ['users', index, user.passwordEnv !== undefined ? 'passwordEnv' : 'passwordFile'],
          `user ${user.username} has another password in ${earlier.entry.name}, on the same embedded broker ${key}`,
          `give ${user.username} the same password in every entry on ${key}, or a username of its own here`,
        );
      }
    });
  }
  return found;
}

function clientIdProblems<Device extends BrokerEntry>(entries: Device[]): Found<Device> {
  const found: Found<Device> = [];
  const seen = new Map<string, Device>();
  for (const entry of entries) {
    const broker = brokerKey(entry.connection.broker);
    if (broker === undefined) continue;
    const key = `${broker}\n${entry.connection.clientId}`;
    const earlier = seen.get(key);
    if (!earlier) {
      seen.set(key, entry);
      continue;
    }
    found.push({
      device: entry,
      problem: {
        path: ['clientId'],
        message: `client id ${entry.connection.clientId} is taken by ${earlier.name} on the same broker ${broker}: the broker would drop one entry's connection each time the other connects`,
        fix: 'give each entry its own clientId, or leave clientId out (the default is unique per entry)',
      },
    });
  }
  return found;
}

/** scheme://host:port, so that mqtt://Broker and mqtt://broker:1883 are one broker. */
function brokerKey(broker: string): string | undefined {
  try {
    const url = new URL(broker);
    return `${url.protocol}//${url.hostname.toLowerCase()}:${url.port || (defaultPorts[url.protocol] ?? '')}`;
  } catch {
    return undefined;
  }
}

function passwordDigest(user: EmbeddedUserDocument): Buffer | undefined {
  const source = user.passwordEnv !== undefined ? { env: user.passwordEnv } : user.passwordFile !== undefined ? { file: user.passwordFile } : undefined;
  if (!source || secretProblem(source)) return undefined;
  return createHash('sha256').update(readSecret(source)).digest();
}
