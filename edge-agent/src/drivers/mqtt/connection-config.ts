/**
 * How an MQTT or Sparkplug device entry reaches its broker: an external one by URL, or the
 * broker embedded in the agent. Shared by both entries' schemas; `checkConnection` finds what
 * the schema alone cannot (a client setting on an embedded broker, TLS on a plain URL, a
 * password that is not in the environment, a certificate the agent cannot read). Files are
 * relative to agent.yaml's folder, as everywhere in agent.yaml.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { durationMs, isLoopbackHost, parseHostPort } from '@davy/runtime';
import type { DeviceContext, DeviceProblem } from '../driver-entry.js';
import { envVarName, fileProblem, secretProblem, type SecretSource } from '../json-mapping/secret-source.js';
import { embeddedBrokerSchema, type EmbeddedBrokerDocument } from './embedded-broker/embedded-broker-config.js';

export const mqttConnectionFields = {
  broker: z.string().min(1).describe('the broker\'s URL (mqtt://host:1883, mqtts://host:8883), or embedded for the broker inside the agent'),
  embedded: embeddedBrokerSchema.optional().describe('with broker: embedded, where the agent\'s broker listens and who may connect'),
  clientId: z.string().min(1).max(23).optional().describe('the MQTT client id; default davy-<name>-<hash of the gateway id and name>, stable across restarts and reinstalls'),
  username: z.string().min(1).optional().describe('the user name the agent logs in to the broker with'),
  passwordEnv: envVarName.optional().describe('the environment variable holding the password for username'),
  tls: z
    .object({
      ca: z.string().min(1).optional().describe('the CA certificate (PEM) the broker\'s certificate is checked against, relative to agent.yaml\'s folder or absolute'),
      cert: z.string().min(1).optional().describe('the agent\'s client certificate (PEM)'),
      key: z.string().min(1).optional().describe('the client certificate\'s private key (PEM)'),
      rejectUnauthorized: z.boolean().default(true).describe('refuse a broker whose certificate does not check out; false only for tests (the agent logs a warning)'),
    })
    .strict()
    .optional(),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1).describe('the subscription\'s QoS: 0, 1 or 2'),
  cleanSession: z.boolean().default(false).describe('false: the broker keeps QoS 1/2 messages for the agent while it is away'),
  keepalive: durationMs().default(30_000).describe('MQTT keepalive, e.g. 30s'),
  connectTimeout: durationMs().default(10_000).describe('how long one connection attempt may take, e.g. 10s'),
};

export interface MqttConnection {
  /** An mqtt(s):// URL, or 'embedded'. */
  broker: string;
  /** Its files made absolute. */
  embedded?: EmbeddedBrokerDocument;
  clientId: string;
  /** Whether agent.yaml names the client id (else it is derived from the gateway id and the entry's name). */
  clientIdSet: boolean;
  username?: string;
  password?: SecretSource;
  /** Files absolute. */
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  qos: 0 | 1 | 2;
  cleanSession: boolean;
  keepaliveMs: number;
  connectTimeoutMs: number;
}

const connectionSchema = z.object(mqttConnectionFields);
type ConnectionDocument = { name: string } & z.output<typeof connectionSchema>;

/**
 * The device context, and the gateway id once the agent passes it (DeviceContext does not
 * carry it yet; until then the host name stands in, as it did before).
 */
export type ConnectionContext = DeviceContext & { gatewayId?: string };

/** For callers outside agent.yaml (benchmarks): relative files from the working folder. */
export function workingFolderContext(): ConnectionContext {
  return { configDir: process.cwd(), dataDir: process.cwd() };
}

export function resolveConnection(document: ConnectionDocument, context: ConnectionContext): MqttConnection {
  const file = (name: string) => path.resolve(context.configDir, name);
  const fileIf = (name: string | undefined) => (name === undefined ? undefined : file(name));
  const embedded = document.embedded && {
    ...document.embedded,
    tls: document.embedded.tls && { cert: file(document.embedded.tls.cert), key: file(document.embedded.tls.key), ca: fileIf(document.embedded.tls.ca) },
    users: document.embedded.users.map((user) => ({ ...user, passwordFile: fileIf(user.passwordFile) })),
  };
  return {
    broker: document.broker,
    embedded,
    clientId: document.clientId ?? defaultClientId(context.gatewayId ?? os.hostname(), document.name),
    clientIdSet: document.clientId !== undefined,
    username: document.username,
    password: document.passwordEnv === undefined ? undefined : { env: document.passwordEnv },
    tls: document.tls && { ...document.tls, ca: fileIf(document.tls.ca), cert: fileIf(document.tls.cert), key: fileIf(document.tls.key) },
    qos: document.qos,
    cleanSession: document.cleanSession,
    keepaliveMs: document.keepalive,
    connectTimeoutMs: document.connectTimeout,
  };
}

/**
 * Stable across restarts, container rebuilds and reinstalls of the same gateway (its
 * persistent session is found again, not left queuing on the broker), and different on another
 * gateway with an entry of the same name; at most 23 characters, which every broker accepts.
 */
function defaultClientId(gateway: string, name: string): string {
  const hash = createHash('sha256').update(`${gateway}/${name}`).digest('hex').slice(0, 8);
  return `davy-${name.slice(0, 8)}-${hash}`;
}

export const embeddedBroker = 'embedded';
const brokerSchemes = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:']);
const secureSchemes = new Set(['mqtts:', 'ssl:']);

export function checkConnection(connection: MqttConnection): DeviceProblem[] {
  const problems: DeviceProblem[] = [];
  const problem = (at: Array<string | number>, message: string, fix: string) => problems.push({ path: at, message, fix });
  if (connection.broker === embeddedBroker) {
    if (!connection.embedded) problem(['embedded'], 'broker: embedded needs an embedded: block with the users devices log in as', 'add embedded: { users: [{ username: …, passwordEnv: … }] }');
    const clientSettings = { clientId: connection.clientIdSet, username: connection.username !== undefined, passwordEnv: connection.password !== undefined, tls: connection.tls !== undefined };
    for (const [key, set] of Object.entries(clientSettings)) {
      if (set) problem([key], `${key} is for an external broker; the agent reaches its embedded broker from inside`, `remove ${key} (devices' logins go under embedded.users)`);
    }
  } else {
    let url: URL | undefined;
    try {
      url = new URL(connection.broker);
    } catch {
      problem(['broker'], `"${connection.broker}" is not a URL`, 'write the broker as mqtt://host:1883 or mqtts://host:8883, or embedded');
    }
    if (url && !brokerSchemes.has(url.protocol)) problem(['broker'], `"${url.protocol}" is not an MQTT scheme`, 'use mqtt:// (plain) or mqtts:// (TLS)');
    if (url && (url.username || url.password)) problem(['broker'], 'the broker URL holds credentials', 'remove them from the URL; use username and passwordEnv');
    if (url && connection.tls && !secureSchemes.has(url.protocol)) problem(['tls'], `tls is set but ${connection.broker} is not a TLS URL`, 'use mqtts:// for the broker, or remove tls');
    if (connection.embedded) problem(['embedded'], 'embedded: applies only to broker: embedded', 'remove embedded, or set broker: embedded');
    if (connection.password && !connection.username) problem(['passwordEnv'], 'a password without a username', 'add username');
    const secret = connection.password && secretProblem(connection.password);
    if (secret) problem(['passwordEnv'], secret.message, secret.fix);
    for (const [key, file] of Object.entries({ ca: connection.tls?.ca, cert: connection.tls?.cert, key: connection.tls?.key })) {
      const unreadable = file === undefined ? undefined : fileProblem(file);
      if (unreadable) problem(['tls', key], `cannot read ${file} (${unreadable})`, 'check the path (relative to agent.yaml\'s folder) and that the agent may read it');
    }
    if ((connection.tls?.cert === undefined) !== (connection.tls?.key === undefined)) problem(['tls'], 'a client certificate needs both cert and key', 'give both tls.cert and tls.key, or neither');
  }
  problems.push(...checkEmbedded(connection.embedded));
  return problems;
}

function checkEmbedded(embedded: EmbeddedBrokerDocument | undefined): DeviceProblem[] {
  if (!embedded) return [];
  const problems: DeviceProblem[] = [];
  const problem = (at: Array<string | number>, message: string, fix: string) => problems.push({ path: ['embedded', ...at], message, fix });
  const listen = parseHostPort(embedded.listen);
  if (!listen) problem(['listen'], `"${embedded.listen}" is not a host:port address`, 'write it like 127.0.0.1:1883');
  if (listen && !isLoopbackHost(listen.host) && !embedded.tls && !embedded.allowPlainText) {
    problem(
      ['listen'],
      `the embedded broker would listen on ${embedded.listen}, beyond loopback, without TLS: devices' passwords would cross the network in clear`,
      'add embedded.tls: { cert, key }, or set embedded.allowPlainText: true on a network you trust',
    );
  }
  for (const [key, file] of Object.entries(embedded.tls ?? {})) {
    const unreadable = file === undefined ? undefined : fileProblem(file);
    if (unreadable) problem(['tls', key], `cannot read ${file} (${unreadable})`, 'check the path (relative to agent.yaml\'s folder) and that the agent may read it');
  }
  const seen = new Map<string, number>();
  embedded.users.forEach((user, index) => {
    const at = ['users', index];
    if ((user.passwordEnv === undefined) === (user.passwordFile === undefined)) {
      problem(at, `user ${user.username} needs exactly one of passwordEnv and passwordFile`, 'give passwordEnv (an environment variable) or passwordFile (a file), not both');
    } else {
      const secret = secretProblem(user.passwordEnv !== undefined ? { env: user.passwordEnv } : { file: user.passwordFile! });
      if (secret) problem([...at, user.passwordEnv !== undefined ? 'passwordEnv' : 'passwordFile'], secret.message, secret.fix);
    }
    const first = seen.get(user.username);
    if (first !== undefined) problem([...at, 'username'], `user ${user.username} is listed twice (also users[${first}])`, 'list each user once');
    seen.set(user.username, index);
  });
  return problems;
}

/** Where the device is, for `davy-agent device list` and events. */
export function describeBroker(connection: MqttConnection): string {
  return connection.broker === embeddedBroker ? `embedded broker ${connection.embedded?.listen ?? ''}`.trim() : connection.broker;
}
