/**
 * A running hub: the store, gRPC and/or NATS ingest into it through one commit queue, and the REST API
 * over it. The CLI, the demo, tests and benchmarks all start a hub through here.
 */
import path from 'node:path';
import type { Logger } from '@davy/runtime';
import { createApi, serveApi } from './api/index.js';
import { ensureApiToken } from './auth/index.js';
import { CommitQueue } from './ingest/commit-queue.js';
import { startGrpcIngest, type GrpcIngest } from './ingest/grpc/grpc-ingest.js';
import { startNatsIngest, type NatsIngest } from './ingest/nats/nats-ingest.js';
import type { Transport } from './config/hub-settings.js';
import { openStore } from './store/open-store.js';
import { readMetricCatalog } from './registry/metric-catalog.js';
import { openRegistry } from './registry/open-registry.js';
import { ApiKeys } from './access/api-keys.js';
import { UserDirectory } from './access/users.js';
import { AuditLog, defaultAuditRetentionDays } from './audit/audit-log.js';
import { AuditRetention } from './audit/audit-retention.js';
import { defaultSweepMs } from './alarms/sweeps.js';
import { AlarmEngine } from './alarms/alarm-engine.js';
import { AlarmStore } from './alarms/alarm-store.js';
import { PointLocations } from './alarms/point-locations.js';
import { readRuleTables } from './alarms/rule-tables.js';
import { startWebhooks } from './webhooks/index.js';
import { readCoefficients } from './reports/coefficients.js';
import { readQualityTargets } from './reports/quality-report.js';
import type { StoreLocation } from './store/store-location.js';
import type { HostPort } from '@davy/runtime';

export interface HubOptions {
  dataDir: string;
  http: HostPort;
  grpc: HostPort;
  /** How gateways send batches; default gRPC only. */
  transports?: Transport[];
  /** The NATS servers (nats://host:port), with the nats transport. */
  nats?: string[];
  /** Where the store is; default SQLite in DATA/hub.db. */
  store?: StoreLocation;
  /** DAVY_HUB_TOKEN: a token to accept, instead of generating one. */
  envToken?: string;
  sqliteSync?: 'full' | 'normal';
  /** Alarm webhooks may go to loopback, private and link-local addresses (default: public ones only). */
  allowPrivateWebhooks?: boolean;
  /** PostgreSQL: whole days of raw samples kept before today; default everything. */
  retentionDays?: number;
  /** Days the audit log is kept (default 180). */
  auditRetentionDays?: number;
  log: Logger;
  /** Ends the wait for a store that is not reachable yet. */
  signal?: AbortSignal;
}

export interface RunningHub {
  httpPort: number;
  /** 0 when the hub does not take gRPC. */
  grpcPort: number;
  /** Set when this start generated the API token: the caller shows it once. */
  generatedToken?: string;
  /** Set at the first start: the first admin's generated password, shown once, changed at its first login. */
  firstAdmin?: { name: string; password: string };
  close(): Promise<void>;
}

/**
 * Starts the hub. The store is opened first, waiting for it if it is a server not reachable
 * yet: gRPC and HTTP listen only once the hub can store and answer, so until then agents find
 * no hub and keep their records (retrying), and probes see it down rather than failing.
 */
export async function startHub(options: HubOptions): Promise<RunningHub> {
  const location = options.store ?? { engine: 'sqlite', file: path.join(options.dataDir, 'hub.db') };
  const store = await openStore({ location, sqliteSync: options.sqliteSync, retentionDays: options.retentionDays, log: options.log, signal: options.signal });
  const { generated } = await ensureApiToken(store, options.envToken);
  const queue = new CommitQueue(store);
  const transports = options.transports ?? ['grpc'];
  const grpc: GrpcIngest | undefined = transports.includes('grpc') ? await startGrpcIngest({ ...options.grpc, queue, log: options.log }) : undefined;
  // In the background: a NATS server that is not up yet is waited for while the API serves.
  const nats: NatsIngest | undefined = transports.includes('nats') ? startNatsIngest({ servers: options.nats ?? ['nats://127.0.0.1:4222'], queue, log: options.log }) : undefined;
  // The registry's tables are in the store's database (open-registry.ts): it is reachable now.
  const registry = await openRegistry(location, options.dataDir, options.log);
  const users = new UserDirectory(registry.db);
  const firstAdmin = await users.ensureFirstAdmin();
  const audit = new AuditLog(registry.db);
  const auditUpkeep = new AuditRetention(audit, options.auditRetentionDays ?? defaultAuditRetentionDays, options.log);
  await auditUpkeep.run();
  auditUpkeep.start();
  const alarmStore = new AlarmStore(registry.db);
  // Before the rules start: every alarm change from then on is posted to the webhooks.
  const webhooks = await startWebhooks({ db: registry.db, alarms: alarmStore, log: options.log, allowPrivate: options.allowPrivateWebhooks ?? false });
  const locations = new PointLocations(registry.db);
  const tables = readRuleTables();
  const engine = new AlarmEngine(store, registry, locations, alarmStore, tables, options.log);
  await engine.start({ sweepMs: defaultSweepMs });
  const api = createApi({ store, registry, users, apiKeys: new ApiKeys(registry.db), audit, alarms: { store: alarmStore, tables, locations, engine }, coefficients: readCoefficients(), qualityTargets: readQualityTargets(), metricCatalog: readMetricCatalog(), webhooks, log: options.log });
  const http = await serveApi(api, options.http);
  options.log.info('http.listening', { host: options.http.host, port: http.port });
  return {
    httpPort: http.port,
    grpcPort: grpc?.port ?? 0,
    generatedToken: generated,
    firstAdmin,
    close: async () => {
      await Promise.all([grpc?.close(), nats?.close(), http.close()]);
      auditUpkeep.stop();
      await engine.stop();
      await webhooks.close();
      await Promise.all([store.close(), registry.close()]);
    },
  };
}
