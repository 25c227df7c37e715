/**
 * How an MQTT or Sparkplug device entry reaches its broker: an external one by URL, or the
 * broker embedded in the agent. Shared by both entries' schemas; `checkConnection` finds what
 * the schema alone cannot (a client setting on an embedded broker, TLS on a plain URL).
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { durationMs, parseHostPort } from '@davy/runtime';
import type { DeviceProblem } from '../driver-entry.js';
import { envVarName, type SecretSource } from '../json-mapping/secret-source.js';
import { embeddedBrokerSchema, type EmbeddedBrokerDocument } from './embedded-broker/embedded-broker-config.js';

export const mqttConnectionFields = {
  broker: z.string().min(1).describe('the broker\'s URL (mqtt://host:1883, mqtts://host:8883), or embedded for the broker inside the agent'),
  embedded: embeddedBrokerSchema.optional().describe('with broker: embedded, where the agent\'s broker listens and who may connect'),
  clientId: z.string().min(1).max(23).optional().describe('the MQTT client id; default davy-<name>-<hash of host and name>, stable across restarts'),
  username: z.string().min(1).optional().describe('the user name the agent logs in to the broker with'),
  passwordEnv: envVarName.optional().describe('the environment variable holding the password for username'),
  tls: z
    .object({
      ca: z.string().min(1).optional().describe('an absolute path to the CA certificate (PEM) the broker\'s certificate is checked against'),
      cert: z.string().min(1).optional().describe('an absolute path to the agent\'s client certificate (PEM)'),
      key: z.string().min(1).optional().describe('an absolute path to the client certificate\'s private key (PEM)'),
      rejectUnauthorized: z.boolean().default(true).describe('refuse a broker whose certificate does not check out; false only for tests'),
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
  embedded?: EmbeddedBrokerDocument;
  clientId: string;
  username?: string;
  password?: SecretSource;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  qos: 0 | 1 | 2;
  cleanSession: boolean;
  keepaliveMs: number;
  connectTimeoutMs: number;
}

const connectionSchema = z.object(mqttConnectionFields);
type ConnectionDocument = { name: string } & z.output<typeof connectionSchema>;

export function resolveConnection(document: ConnectionDocument): MqttConnection {
  return {
    broker: document.broker,
    embedded: document.embedded,
    clientId: document.clientId ?? defaultClientId(document.name),
    username: document.username,
    password: document.passwordEnv === undefined ? undefined : { env: document.passwordEnv },
    tls: document.tls,
    qos: document.qos,
    cleanSession: document.cleanSession,
    keepaliveMs: document.keepalive,
    connectTimeoutMs: document.connectTimeout,
  };
}

/**
 * Stable across restarts (a persistent session is found again) and different on another
 * gateway with an entry of the same name; at most 23 characters, which every broker accepts.
 */
function defaultClientId(name: string): string {
  const hash = createHash('sha256').update(`${os.hostname()}/${name}`).digest('hex').slice(0, 8);
  return `davy-${name.slice(0, 8)}-${hash}`;
}

export const embeddedBroker = 'embedded';
const brokerSchemes = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:']);
const secureSchemes = new Set(['mqtts:', 'ssl:']);

export function checkConnection(connection: MqttConnection): DeviceProblem[] {
  const problems: DeviceProblem[] = [];
  const problem = (at: string[], message: string, fix: string) => problems.push({ path: at, message, fix });
  if (connection.broker === embeddedBroker) {
    if (!connection.embedded) problem(['embedded'], 'broker: embedded needs an embedded: block with the users devices log in as', 'add embedded: { users: [{ username: …, passwordEnv: … }] }');
    for (const key of ['username', 'passwordEnv', 'tls'] as const) {
      const set = key === 'passwordEnv' ? connection.password !== undefined : connection[key] !== undefined;
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
  }
  for (const [key, file] of Object.entries({ ca: connection.tls?.ca, cert: connection.tls?.cert, key: connection.tls?.key })) {
    if (file !== undefined && !path.isAbsolute(file)) problem(['tls', key], `"${file}" is a relative path`, 'write the absolute path: the agent may run from any folder');
  }
  if ((connection.tls?.cert === undefined) !== (connection.tls?.key === undefined)) problem(['tls'], 'a client certificate needs both cert and key', 'give both tls.cert and tls.key, or neither');
  problems.push(...checkEmbedded(connection.embedded));
  return problems;
}

function checkEmbedded(embedded: EmbeddedBrokerDocument | undefined): DeviceProblem[] {
  if (!embedded) return [];
  const problems: DeviceProblem[] = [];
  if (!parseHostPort(embedded.listen)) {
    problems.push({ path: ['embedded', 'listen'], message: `"${embedded.listen}" is not a host:port address`, fix: 'write it like 127.0.0.1:1883' });
  }
  for (const [key, file] of Object.entries(embedded.tls ?? {})) {
    if (file !== undefined && !path.isAbsolute(file)) problems.push({ path: ['embedded', 'tls', key], message: `"${file}" is a relative path`, fix: 'write the absolute path: the agent may run from any folder' });
  }
  const seen = new Map<string, number>();
  embedded.users.forEach((user, index) => {
    const at = ['embedded', 'users', index];
    if ((user.passwordEnv === undefined) === (user.passwordFile === undefined)) {
      problems.push({ path: at, message: `user ${user.username} needs exactly one of passwordEnv and passwordFile`, fix: 'give passwordEnv (an environment variable) or passwordFile (an absolute path), not both' });
    }
    if (user.passwordFile !== undefined && !path.isAbsolute(user.passwordFile)) {
      problems.push({ path: [...at, 'passwordFile'], message: `"${user.passwordFile}" is a relative path`, fix: 'write the absolute path: the agent may run from any folder' });
    }
    const first = seen.get(user.username);
    if (first !== undefined) problems.push({ path: [...at, 'username'], message: `user ${user.username} is listed twice (also users[${first}])`, fix: 'list each user once' });
    seen.set(user.username, index);
  });
  return problems;
}

/** Where the device is, for `davy-agent device list` and events. */
export function describeBroker(connection: MqttConnection): string {
  return connection.broker === embeddedBroker ? `embedded broker ${connection.embedded?.listen ?? ''}`.trim() : connection.broker;
}
