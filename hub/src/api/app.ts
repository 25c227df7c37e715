/** The hub's REST API as one hono app: authentication, the resource routes, and one error shape. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { errorMessage, type Logger } from '@davy/runtime';
import { bearerAuth } from '../auth/bearer.js';
import type { MetricCatalog } from '../registry/metric-catalog.js';
import type { Registry } from '../registry/registry.js';
import { ScopedRegistry } from '../access/scoped-registry.js';
import { ScopedStore } from '../access/scoped-store.js';
import type { ApiKeys } from '../access/api-keys.js';
import { RateLimits } from '../access/rate-limit.js';
import type { UserDirectory } from '../access/users.js';
import { apiKeyRoutes } from './api-keys.js';
import type { Store } from '../store/store.js';
import { isStoreUnavailable } from '../store/store-unavailable.js';
import type { AlarmEngine } from '../alarms/alarm-engine.js';
import type { AlarmStore } from '../alarms/alarm-store.js';
import type { PointLocations } from '../alarms/point-locations.js';
import type { RuleTable } from '../alarms/rule-tables.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Coefficients } from '../reports/coefficients.js';
import type { QualityTargets } from '../reports/quality-report.js';
import { alarmRoutes } from './alarms.js';
import { reportRoutes } from './reports.js';
import { calorificValueRoutes } from './calorific-values.js';
import { CalorificValues } from '../reports/calorific-values.js';
import { pointLocationRoutes } from './point-locations.js';
import { auditRequests } from '../audit/audit-middleware.js';
import { auditRoutes } from './audit.js';
import { authRoutes, loginPath } from './auth.js';
import { deviceRoutes } from './devices.js';
import { enterpriseRoutes } from './enterprises.js';
import { eventRoutes } from './events.js';
import { gatewayRoutes } from './gateways.js';
import { healthPath, healthRoutes } from './health.js';
import { metricRoutes } from './metrics.js';
import { serveOpenApiDocument } from './openapi.js';
import { rejectInvalidParameters } from './parameter-errors.js';
import { ApiProblem, problemResponse } from './problem.js';
import { seriesHistoryRoutes } from './series-history.js';
import { seriesRoutes } from './series.js';
import { siteRoutes } from './sites.js';
import { userRoutes } from './users.js';
import { webhookRoutes } from './webhooks.js';
import type { Webhooks } from '../webhooks/index.js';

export interface ApiOptions {
  store: Store;
  registry: Registry;
  users: UserDirectory;
  apiKeys: ApiKeys;
  audit: AuditLog;
  coefficients: Coefficients;
  qualityTargets: QualityTargets;
  alarms: { store: AlarmStore; tables: readonly RuleTable[]; locations: PointLocations; engine: Pick<AlarmEngine, 'forget'> };
  metricCatalog: MetricCatalog;
  webhooks: Webhooks;
  log: Logger;
  /** A gateway is online when its last batch is at most this old (default 30 s). */
  onlineWindowMs?: number;
  now?: () => number;
}

export function createApi(options: ApiOptions): OpenAPIHono {
  const { log } = options;
  const now = options.now ?? Date.now;
  const app = new OpenAPIHono({ defaultHook: rejectInvalidParameters });
  // Outside authentication, so that refused requests are recorded too.
  app.use('*', auditRequests(options.audit, log));
  const rateLimits = new RateLimits(now);
  app.use('*', bearerAuth({ store: options.store, users: options.users, apiKeys: options.apiKeys, rateLimits, registry: options.registry, publicPaths: [healthPath, loginPath] }));
  // Every route below reads through these views, limited to the request's scope (access/).
  const store = new ScopedStore(options.store);
  const registry = new ScopedRegistry(options.registry);
  app.route('/', authRoutes(options.users));
  app.route('/', userRoutes(options.users));
  app.route('/', apiKeyRoutes(options.apiKeys));
  app.route('/', auditRoutes(options.audit));
  app.route('/', healthRoutes(now));
  const presence = { now, onlineWindowMs: options.onlineWindowMs ?? 30_000 };
  app.route('/', gatewayRoutes(store, presence));
  app.route('/', deviceRoutes(store, presence));
  app.route('/', seriesRoutes(store));
  app.route('/', seriesHistoryRoutes(store));
  app.route('/', eventRoutes(store));
  app.route('/', enterpriseRoutes(registry));
  app.route('/', siteRoutes(registry));
  app.route('/', metricRoutes(options.metricCatalog));
  const calorificValues = new CalorificValues(options.registry.db, options.coefficients.standardCoal, now);
  app.route('/', calorificValueRoutes(registry, calorificValues));
  app.route('/', reportRoutes({ store, registry, catalog: options.metricCatalog, coefficients: options.coefficients, calorificValues, targets: options.qualityTargets, now }));
  app.route('/', alarmRoutes(options.alarms.store, options.alarms.tables, now));
  app.route('/', pointLocationRoutes(store, options.alarms.locations, options.alarms.engine));
  app.route('/', webhookRoutes(options.webhooks));
  serveOpenApiDocument(app);

  app.notFound((c) => {
    const allowed = methodsOf(app, c.req.path);
    if (allowed.length > 0) {
      return problemResponse(c, new ApiProblem('method-not-allowed', `${c.req.path} takes ${allowed.join(', ')}, not ${c.req.method}`, { headers: { Allow: allowed.join(', ') } }));
    }
    return problemResponse(c, new ApiProblem('not-found', `there is no route ${c.req.method} ${c.req.path}`));
  });
  app.onError((error, c) => {
    if (error instanceof ApiProblem) return problemResponse(c, error);
    // hono's own validator refuses a body that is not JSON before any schema sees it.
    if (error instanceof HTTPException && error.status === 400) {
      return problemResponse(c, ApiProblem.invalidParameters([{ name: 'body', in: 'body', detail: `${error.message}: send a JSON object with Content-Type: application/json` }]));
    }
    if (error instanceof HTTPException && error.status === 415) {
      return problemResponse(c, new ApiProblem('unsupported-media-type', `the body is ${c.req.header('Content-Type') ?? 'without a Content-Type'}: send a JSON object with Content-Type: application/json`));
    }
    if (isStoreUnavailable(error)) {
      log.warn('api.store_unavailable', { method: c.req.method, path: c.req.path, error: errorMessage(error) });
      return problemResponse(c, new ApiProblem('unavailable', 'the hub cannot reach its database right now; try again shortly', { headers: { 'Retry-After': '5' } }));
    }
    log.error('api.request_failed', { method: c.req.method, path: c.req.path, error: errorMessage(error) });
    return problemResponse(c, new ApiProblem('internal-error', 'the hub could not answer this request; the cause is in its log'));
  });
  return app;
}

/** The methods the app's routes take at `path` (HEAD with GET), for a 405's Allow. */
function methodsOf(app: OpenAPIHono, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === 'ALL') continue;
    const pattern = new RegExp(`^${route.path.replace(/[.]/g, '\\.').replace(/:[^/]+/g, '[^/]+')}$`);
    if (pattern.test(path)) methods.add(route.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}
