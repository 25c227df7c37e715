/**
 * The hub's settings, each taken from the first place that gives it: its flag, its environment
 * variable, hub.yaml, the default. Every value is checked here and the error names where it came
 * from and the fix: a wrong flag or variable stops the command with exit code 2 (UsageError),
 * the problems of hub.yaml are listed all at once with their lines (ConfigError, exit code 2).
 */
import path from 'node:path';
import { ConfigError, formatHostPort, isLoopbackHost, parseHostPort, parseNatsServers, UsageError, type ConfigProblem, type HostPort } from '@davy/runtime';
import { parseStoreLocation, storeLocationHint, withoutPassword, type StoreLocation } from '../store/store-location.js';
import { defaultAuditRetentionDays } from '../audit/audit-log.js';
import type { HubConfigFile } from './hub-config-file.js';

export interface HubSettings {
  dataDir: string;
  http: HostPort;
  grpc: HostPort;
  store: StoreLocation;
  retentionDays?: number;
  /** Days the audit log is kept: 180 or more. */
  auditRetentionDays: number;
  sqliteSync: 'full' | 'normal';
  allowRemoteIngest: boolean;
  /** Alarm webhooks may go to loopback, private and link-local addresses. */
  allowPrivateWebhooks: boolean;
  /** How gateways send batches: over gRPC, through NATS JetStream, or both at once. */
  transports: Transport[];
  /** The NATS servers, with the nats transport. */
  nats: string[];
}

export type Transport = 'grpc' | 'nats';

/** A setting's name, which is also its key in hub.yaml. */
export type SettingName = 'data' | 'http' | 'grpc' | 'store' | 'retentionDays' | 'auditRetentionDays' | 'sqliteSync' | 'allowRemoteIngest' | 'allowPrivateWebhooks' | 'transport' | 'nats';

export interface SettingSpec {
  /** The flag as commander declares it. */
  flag: string;
  env?: string;
  description: string;
  defaultValue?: string;
  choices?: string[];
}

/** Every setting's flag, variable and default, declared once: the CLI builds its options from these. */
export const settingSpecs: Record<SettingName, SettingSpec> = {
  data: { flag: '--data <dir>', env: 'DAVY_HUB_DATA', defaultValue: './data', description: 'folder of the SQLite store and of the generated token file' },
  http: { flag: '--http <host:port>', env: 'DAVY_HUB_HTTP', defaultValue: '127.0.0.1:8080', description: 'where the REST API listens' },
  grpc: { flag: '--grpc <host:port>', env: 'DAVY_HUB_GRPC', defaultValue: '127.0.0.1:9090', description: 'where gateways connect (gRPC ingest)' },
  store: {
    flag: '--store <location>',
    env: 'DAVY_HUB_STORE',
    description: 'sqlite:PATH, postgres://USER@HOST:PORT/DATABASE or questdb://HOST[:PG_PORT][?http=HTTP_PORT] (default: sqlite:DATA/hub.db)',
  },
  retentionDays: {
    flag: '--retention-days <days>',
    env: 'DAVY_HUB_RETENTION_DAYS',
    description: 'PostgreSQL: whole days of raw samples kept before today, older day partitions dropped; QuestDB: days kept before the newest (default: keep everything)',
  },
  auditRetentionDays: {
    flag: '--audit-retention-days <days>',
    env: 'DAVY_HUB_AUDIT_RETENTION_DAYS',
    defaultValue: String(defaultAuditRetentionDays),
    description: 'days the audit log is kept, 180 or more (the least the Cybersecurity Law asks for)',
  },
  sqliteSync: {
    flag: '--sqlite-sync <mode>',
    env: 'DAVY_HUB_SQLITE_SYNC',
    defaultValue: 'full',
    choices: ['full', 'normal'],
    description: 'full: acked batches survive a power cut; normal: faster, may lose the last acked batches on power loss',
  },
  allowRemoteIngest: { flag: '--allow-remote-ingest', description: 'let gRPC ingest listen beyond loopback, although gateways do not authenticate yet' },
  allowPrivateWebhooks: { flag: '--allow-private-webhooks', description: 'let alarm webhooks go to loopback, private and link-local addresses (receivers inside the hub\'s network)' },
  transport: { flag: '--transport <list>', env: 'DAVY_HUB_TRANSPORT', defaultValue: 'grpc', description: 'how gateways send batches: grpc, nats (JetStream), or grpc,nats for both at once' },
  nats: {
    flag: '--nats <urls>',
    env: 'DAVY_HUB_NATS',
    defaultValue: 'nats://127.0.0.1:4222',
    description: 'the NATS server(s) with JetStream for --transport nats, comma-separated nats://host:port',
  },
};

/** A value given on the command line or in the environment: text, or true for a switch. */
export interface GivenValue {
  value: string | boolean;
  from: 'flag' | 'env';
}

/** Where a setting's value came from, as messages name it. */
interface Source {
  from: 'flag' | 'env' | 'file' | 'default';
  /** --http, DAVY_HUB_HTTP, or the key in hub.yaml. */
  name: string;
  value: unknown;
}

type Reading<T> = { value: T } | { problem: string; fix: string };

const flagName = (spec: SettingSpec) => spec.flag.split(' ')[0]!;

export function resolveHubSettings(given: Partial<Record<SettingName, GivenValue>>, file: HubConfigFile | undefined, cwd: string): HubSettings {
  const problems: ConfigProblem[] = [];
  const fileDir = file ? path.dirname(path.resolve(file.yaml.file)) : cwd;

  const sourceOf = (name: SettingName): Source => {
    const spec = settingSpecs[name];
    const value = given[name];
    if (value) return { from: value.from, name: value.from === 'flag' ? flagName(spec) : spec.env!, value: value.value };
    const inFile = file?.document[name];
    if (inFile !== undefined) return { from: 'file', name, value: inFile };
    return { from: 'default', name: flagName(spec), value: spec.defaultValue };
  };
  const baseDirOf = (source: Source) => (source.from === 'file' ? fileDir : cwd);

  /** Reports a wrong value where it came from; `shown` is the value as the message may print it. */
  const report = (name: SettingName, source: Source, shown: string, problem: string, fix: string, usage = `${source.name} ${shown} ${problem}; ${fix}`) => {
    if (source.from === 'file') problems.push(file!.yaml.problem([name], `${shown} ${problem}`, fix));
    else throw new UsageError(usage);
  };

  const read = <T>(name: SettingName, reader: (text: string, source: Source) => Reading<T>, shown = (text: string) => `"${text}"`): T | undefined => {
    const source = sourceOf(name);
    if (source.value === undefined) return undefined;
    const text = String(source.value);
    const reading = reader(text, source);
    if ('value' in reading) return reading.value;
    report(name, source, shown(text), reading.problem, reading.fix);
    return undefined;
  };

  const address = (what: string) => (text: string): Reading<HostPort> => {
    const parsed = parseHostPort(text);
    return parsed ? { value: parsed } : { problem: `is not an address for ${what}`, fix: 'write it as host:port (e.g. 127.0.0.1:8080) or a port' };
  };

  const dataDir = read('data', (text, source) => ({ value: path.resolve(baseDirOf(source), text) }))!;
  const http = read('http', address('the REST API'));
  const grpc = read('grpc', address('gRPC ingest'));
  const storeGiven = sourceOf('store').value !== undefined;
  const givenStore = read(
    'store',
    (text, source) => {
      const location = parseStoreLocation(text, baseDirOf(source));
      return location ? { value: location } : { problem: 'is not a store location', fix: storeLocationHint };
    },
    (text) => `"${withoutPassword(text)}"`,
  );
  const store: StoreLocation = givenStore ?? { engine: 'sqlite', file: path.join(dataDir, 'hub.db') };
  const retentionDays = read('retentionDays', (text) =>
    /^[1-9]\d{0,5}$/.test(text) ? { value: Number(text) } : { problem: 'is not a whole number of days', fix: 'give the days of raw samples to keep before today, 1 or more; leave it out to keep everything' },
  );
  const auditRetentionDays =
    read('auditRetentionDays', (text) =>
      /^\d{1,6}$/.test(text) && Number(text) >= defaultAuditRetentionDays
        ? { value: Number(text) }
        : { problem: `is not a whole number of days of ${defaultAuditRetentionDays} or more`, fix: `keep the audit log at least ${defaultAuditRetentionDays} days (Cybersecurity Law art. 21: six months)` },
    ) ?? defaultAuditRetentionDays;
  const sqliteSync =
    read<'full' | 'normal'>('sqliteSync', (text) => (text === 'full' || text === 'normal' ? { value: text } : { problem: 'is not full or normal', fix: 'use full (acked batches survive a power cut) or normal (faster)' })) ?? 'full';
  const allowRemoteIngest = read('allowRemoteIngest', (text) => ({ value: text === 'true' })) ?? false;
  const allowPrivateWebhooks = read('allowPrivateWebhooks', (text) => ({ value: text === 'true' })) ?? false;
  const transports = read('transport', readTransports) ?? ['grpc'];
  const nats = read('nats', readNatsServers, (text) => `"${text.split(',').map(withoutPassword).join(',')}"`) ?? [];

  // Only between values that are right by themselves: one wrong value is one message.
  const storeKnown = !storeGiven || givenStore !== undefined;
  const retentionSource = sourceOf('retentionDays');
  if (storeKnown && retentionDays !== undefined && store.engine === 'sqlite') {
    report('retentionDays', retentionSource, String(retentionSource.value), 'applies to the PostgreSQL and QuestDB stores, whose raw samples are kept in day partitions', 'remove it (the SQLite store keeps everything), or give a store postgres://USER@HOST:PORT/DATABASE or questdb://HOST');
  }
  const syncSource = sourceOf('sqliteSync');
  if (storeKnown && syncSource.from !== 'default' && store.engine !== 'sqlite') {
    report('sqliteSync', syncSource, String(syncSource.value), 'applies to the SQLite store only', `remove it: ${store.engine === 'postgres' ? 'PostgreSQL makes commits durable by its own settings (synchronous_commit, fsync)' : 'QuestDB makes commits durable by its own settings (cairo.commit.mode)'}`);
  }
  if (grpc && transports.includes('grpc') && !isLoopbackHost(grpc.host) && !allowRemoteIngest) {
    const source = sourceOf('grpc');
    const risk = 'would take batches from anyone who can reach it: gateways do not authenticate yet';
    const tunnel = 'bring gateways in over a VPN or SSH tunnel';
    report(
      'grpc',
      source,
      formatHostPort(grpc),
      risk,
      `keep ingest on loopback and ${tunnel}, or set allowRemoteIngest: true on a network you trust`,
      `${source.name} ${formatHostPort(grpc)} ${risk}. Keep ingest on loopback and ${tunnel}, or add --allow-remote-ingest on a network you trust`,
    );
  }

  if (problems.length > 0) throw new ConfigError(file!.yaml.file, problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  return { dataDir, http: http!, grpc: grpc!, store, retentionDays, auditRetentionDays, sqliteSync, allowRemoteIngest, allowPrivateWebhooks, transports, nats };
}

function readTransports(text: string): Reading<Transport[]> {
  const names = text.split(',').map((name) => name.trim());
  const wrong = names.find((name) => name !== 'grpc' && name !== 'nats');
  if (wrong !== undefined) return { problem: `names "${wrong}", which is not a transport`, fix: 'give grpc, nats, or grpc,nats' };
  return { value: [...new Set(names as Transport[])] };
}

function readNatsServers(text: string): Reading<string[]> {
  const parsed = parseNatsServers(text);
  return 'servers' in parsed ? { value: parsed.servers } : parsed;
}
