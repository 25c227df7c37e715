/** The API on a real SqliteStore in a temp folder, with a token, its log lines captured. */
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createLogger } from '@davy/runtime';
import { tempDir } from '@davy/runtime/testing';
import { createApi } from '../../src/api/index.js';
import { ensureApiToken } from '../../src/auth/index.js';
import { readMetricCatalog } from '../../src/registry/metric-catalog.js';
import { openRegistry } from '../../src/registry/open-registry.js';
import type { Registry } from '../../src/registry/registry.js';
import { ApiKeys } from '../../src/access/api-keys.js';
import { UserDirectory } from '../../src/access/users.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { AlarmEngine } from '../../src/alarms/alarm-engine.js';
import { AlarmStore } from '../../src/alarms/alarm-store.js';
import { PointLocations } from '../../src/alarms/point-locations.js';
import { readRuleTables } from '../../src/alarms/rule-tables.js';
import { readCoefficients } from '../../src/reports/coefficients.js';
import { readQualityTargets } from '../../src/reports/quality-report.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startWebhooks, type DeliveryTimings, type Webhooks } from '../../src/webhooks/index.js';
import type { Store } from '../../src/store/store.js';

export interface TestApi {
  store: SqliteStore;
  registry: Registry;
  users: UserDirectory;
  audit: AuditLog;
  alarms: AlarmStore;
  /** The rule engine on the store's stored samples: idle() once ingested samples are evaluated. */
  engine: AlarmEngine;
  webhooks: Webhooks;
  app: OpenAPIHono;
  token: string;
  logLines: string[];
  /** GET with the token (or the given Authorization, or none with null). */
  get(url: string, authorization?: string | null): Promise<Response>;
  /** A request with a JSON body and the token (or the given Authorization). */
  send(method: string, url: string, body: unknown, authorization?: string | null): Promise<Response>;
  /** GET with the token, expecting 200, returning the JSON body. */
  json<T = Record<string, unknown>>(url: string): Promise<T>;
  close(): Promise<void>;
}

export async function openTestApi(
  options: {
    now?: () => number;
    onlineWindowMs?: number;
    wrapStore?: (store: Store) => Store;
    webhookTimings?: Partial<DeliveryTimings>;
    /** Webhooks to loopback and private addresses (the tests' receivers listen on 127.0.0.1): allowed unless false. */
    allowPrivateWebhooks?: boolean;
    /** A folder of the caller's, kept after close(), to open the same database again (a restart)… */
    dataDir?: string;
    /** …with the token of the first opening. */
    token?: string;
  } = {},
): Promise<TestApi> {
  const folder = options.dataDir === undefined ? tempDir('davy-api-') : { dir: options.dataDir, remove: () => undefined };
  const file = path.join(folder.dir, 'hub.db');
  const store = SqliteStore.open(file);
  const { generated } = await ensureApiToken(store, options.token);
  const token = options.token ?? generated!;
  const logLines: string[] = [];
  const log = createLogger({ component: 'api', level: 'debug', sink: { write: (line) => logLines.push(line) } });
  const registry = await openRegistry({ engine: 'sqlite', file }, folder.dir, log);
  const users = new UserDirectory(registry.db, options.now);
  const audit = new AuditLog(registry.db, options.now);
  const alarms = new AlarmStore(registry.db);
  const webhooks = await startWebhooks({ db: registry.db, alarms, log, timings: options.webhookTimings, allowPrivate: options.allowPrivateWebhooks ?? true });
  const locations = new PointLocations(registry.db, options.now);
  const tables = readRuleTables();
  const engine = new AlarmEngine(store, registry, locations, alarms, tables, log, options.now);
  // No sweeps on a timer: a test sweeps for silence when it sets the clock (engine.sweep()).
  await engine.start({ sweepMs: 0 });
  const apiKeys = new ApiKeys(registry.db, options.now);
  const app = createApi({ store: options.wrapStore?.(store) ?? store, registry, users, apiKeys, audit, alarms: { store: alarms, tables, locations, engine }, coefficients: readCoefficients(), qualityTargets: readQualityTargets(), metricCatalog: readMetricCatalog(), webhooks, log, now: options.now, onlineWindowMs: options.onlineWindowMs });
  const get = (url: string, authorization: string | null = `Bearer ${token}`) =>
    Promise.resolve(app.request(url, { headers: authorization === null ? {} : { Authorization: authorization } }));
  const headers = (authorization: string | null): Record<string, string> => (authorization === null ? {} : { Authorization: authorization });
  return {
    store,
    registry,
    users,
    audit,
    alarms,
    engine,
    webhooks,
    app,
    token,
    logLines,
    get,
    send: (method, url, body, authorization = `Bearer ${token}`) =>
      Promise.resolve(app.request(url, { method, body: JSON.stringify(body), headers: { ...headers(authorization), 'Content-Type': 'application/json' } })),
    async json<T>(url: string): Promise<T> {
      const response = await get(url);
      const body = (await response.json()) as T;
      if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${JSON.stringify(body)}`);
      return body;
    },
    async close() {
      await engine.stop();
      await webhooks.close();
      await Promise.all([store.close(), registry.close()]);
      folder.remove();
    },
  };
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: Array<{ name: string; in: string; detail: string }>;
}

/** The problem body of a response, after checking its status and media type. */
export async function problemOf(response: Response, status: number): Promise<ProblemBody> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  if (response.headers.get('content-type') !== 'application/problem+json') throw new Error(`not a problem: ${response.headers.get('content-type')}`);
  return JSON.parse(text) as ProblemBody;
}
