import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@davy/runtime/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureApiToken, tokenDigest } from '../../src/auth/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { openTestApi, problemOf, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const methane = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%' };

/** A valid query per documented path; a new route with required parameters adds its own here. */
const validQueries: Record<string, string> = {
  '/api/v1/series/history': '?key=gw-1/ch4-1/ch4&from=0&to=1000',
  '/api/v1/reports/energy': '?region=140000&period=month&at=2026-10',
  '/api/v1/reports/quality': '?region=140000&period=month&at=2026-10',
};

/** Path parameters of the registry the tests below make (beforeEach). */
const pathValues: Record<string, string> = { code: '91350100M000100Y43', id: '1', gatewayId: 'gw-1' };

interface Operation {
  method: string;
  /** As documented: /api/v1/sites/{id}. */
  path: string;
}

/** A request URL for the operation: path parameters filled in, required query parameters added. */
const urlOf = (operation: Operation) => `${operation.path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues[name]!)}${validQueries[operation.path] ?? ''}`;

describe('bearer authentication', () => {
  let api: TestApi;
  let documented: Operation[];
  const publicPaths = ['/api/v1/health', '/api/v1/auth/login'];
  const guarded = () => documented.filter((operation) => !publicPaths.includes(operation.path));
  /** The operation's request, with a JSON body for one that takes a body. */
  const call = (operation: Operation, authorization: string | null) =>
    operation.method === 'get' ? api.get(urlOf(operation), authorization) : api.send(operation.method.toUpperCase(), urlOf(operation), {}, authorization);

  beforeEach(async () => {
    api = await openTestApi();
    const gateway = new TestGateway(api.store, 'gw-1');
    await gateway.send({ samples: [{ point: methane, timeMs: 500, value: 0.4 }] });
    await api.registry.createEnterprise({ code: pathValues.code!, name: 'Example Coal Mining Co.' });
    const site = await api.registry.createSite({ enterpriseCode: pathValues.code!, name: 'No. 2 mine', kind: 'coal_mine', regionCode: '140100', location: null });
    // Alarm 1, for the routes that read one.
    await api.registry.assignGateway(site.id, 'gw-1');
    expect((await api.send('PUT', '/api/v1/point-locations', { key: 'gw-1/ch4-1/ch4', location: 'working_face' }, `Bearer ${api.token}`)).status).toBe(200);
    await gateway.send({ samples: [{ point: methane, timeMs: 600, value: 1.2 }] });
    await api.engine.idle();
    // Webhook 1, for the route that reads its deliveries.
    await api.webhooks.subscriptions.create({ url: 'https://alarms.example.com/davy' }, 'admin');
    const document = await api.json<{ paths: Record<string, Record<string, unknown>> }>('/api/v1/openapi.json');
    documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ method, path })));
  });
  afterEach(() => api.close());

  it('documents every route the app serves', () => {
    const served = api.app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path}`);
    const described = documented.map((operation) => `${operation.method.toUpperCase()} ${operation.path.replace(/\{(\w+)\}/g, ':$1')}`);
    expect([...new Set(served)].sort()).toEqual(described.sort());
    expect(described).toHaveLength(39);
  });

  it('answers 401 with WWW-Authenticate on every route but health, without a token', async () => {
    for (const operation of guarded()) {
      const response = await call(operation, null);
      expect(response.headers.get('www-authenticate'), operation.path).toBe('Bearer realm="davy-hub"');
      const problem = await problemOf(response, 401);
      expect(problem).toEqual({
        type: 'urn:davy:problem:unauthorized',
        title: 'Authentication required',
        status: 401,
        detail: 'send the header "Authorization: Bearer <token>"',
        instance: urlOf(operation).split('?')[0],
      });
    }
  });

  it('answers 401 on every route but health for a wrong or malformed token', async () => {
    const wrong = [`Bearer ${api.token}x`, `Basic ${api.token}`, 'Bearer', `Bearer ${api.token} extra`, `Bearer ${tokenDigest(api.token)}`];
    for (const operation of guarded()) {
      for (const authorization of wrong) {
        const response = await call(operation, authorization);
        expect(response.headers.get('www-authenticate'), `${operation.method} ${operation.path} ${authorization}`).toBe('Bearer realm="davy-hub", error="invalid_token"');
        expect((await problemOf(response, 401)).detail).toBe('the bearer token is not valid');
      }
    }
  });

  it('answers 200 on every GET route with the token, and on health without one', async () => {
    for (const operation of documented.filter((o) => o.method === 'get')) {
      const response = await api.get(urlOf(operation));
      expect(response.status, operation.path).toBe(200);
      expect(response.headers.get('content-type'), operation.path).toBe('application/json');
    }
    const health = await api.get('/api/v1/health', null);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', uptimeMs: expect.any(Number) });
  });

  it('accepts the scheme name in any case', async () => {
    expect((await api.get('/api/v1/gateways', `bearer ${api.token}`)).status).toBe(200);
  });

  it('answers 401 before 404 on unknown routes, and 404 with the token', async () => {
    expect((await problemOf(await api.get('/api/v1/nothing', null), 401)).status).toBe(401);
    expect(await problemOf(await api.get('/api/v1/nothing'), 404)).toEqual({
      type: 'urn:davy:problem:not-found',
      title: 'Not found',
      status: 404,
      detail: 'there is no route GET /api/v1/nothing',
      instance: '/api/v1/nothing',
    });
  });

  it('never logs the token', async () => {
    await api.get('/api/v1/gateways', `Bearer ${api.token}x`);
    await api.get('/api/v1/gateways');
    expect(api.logLines.join('\n')).not.toContain(api.token);
  });
});

describe('ensureApiToken', () => {
  let folder: ReturnType<typeof tempDir>;
  let file: string;
  let store: SqliteStore;

  beforeEach(() => {
    folder = tempDir('davy-token-');
    file = path.join(folder.dir, 'hub.db');
    store = SqliteStore.open(file);
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    folder.remove();
  });

  /** Every byte SQLite wrote for the store (database, WAL and shared-memory files). */
  function storeBytes(): string {
    return readdirSync(folder.dir)
      .map((name) => readFileSync(path.join(folder.dir, name)).toString('latin1'))
      .join('');
  }

  it('generates a token once, and stores only its SHA-256 digest', async () => {
    const first = await ensureApiToken(store, undefined);
    expect(first.generated).toMatch(/^davy_[A-Za-z0-9_-]{43}$/);
    const token = first.generated!;
    expect(await store.hasTokenDigest(tokenDigest(token))).toBe(true);
    expect(await ensureApiToken(store, undefined)).toEqual({});
    expect(await store.tokenDigests()).toEqual([{ label: 'generated', sha256Hex: tokenDigest(token) }]);

    expect(storeBytes()).toContain(tokenDigest(token));
    expect(storeBytes()).not.toContain(token);
    expect(storeBytes()).not.toContain(token.slice('davy_'.length));
    await store.close();
    expect(storeBytes()).toContain(tokenDigest(token));
    expect(storeBytes()).not.toContain(token.slice('davy_'.length));
  });

  it('generates a different token in another store', async () => {
    const other = SqliteStore.open(path.join(folder.dir, 'other.db'));
    const [a, b] = [await ensureApiToken(store, undefined), await ensureApiToken(other, undefined)];
    await other.close();
    expect(a.generated).not.toBe(b.generated);
  });

  it('makes DAVY_HUB_TOKEN the only token: the generated one stops working', async () => {
    const { generated } = await ensureApiToken(store, undefined);
    expect(await ensureApiToken(store, 'operator-chosen-token-123')).toEqual({});
    expect(await ensureApiToken(store, 'operator-chosen-token-123')).toEqual({});
    expect(await store.tokenDigests()).toEqual([{ label: 'DAVY_HUB_TOKEN', sha256Hex: tokenDigest('operator-chosen-token-123') }]);
    expect(await store.hasTokenDigest(tokenDigest(generated!))).toBe(false);
    expect(storeBytes()).not.toContain('operator-chosen-token-123');
  });

  it('revokes the old DAVY_HUB_TOKEN when it is rotated', async () => {
    await ensureApiToken(store, 'leaked-token-1');
    await ensureApiToken(store, 'rotated-token-2');
    expect(await store.hasTokenDigest(tokenDigest('leaked-token-1'))).toBe(false);
    expect(await store.hasTokenDigest(tokenDigest('rotated-token-2'))).toBe(true);
  });

  it('generates a token again when DAVY_HUB_TOKEN is no longer given, and revokes that one', async () => {
    await ensureApiToken(store, 'operator-chosen-token-123');
    const { generated } = await ensureApiToken(store, undefined);
    expect(generated).toMatch(/^davy_/);
    expect(await store.tokenDigests()).toEqual([{ label: 'generated', sha256Hex: tokenDigest(generated!) }]);
  });

  it('lets the API accept DAVY_HUB_TOKEN and no other', async () => {
    const api = await openTestApi();
    try {
      await ensureApiToken(api.store, 'operator-chosen-token-123');
      expect((await api.get('/api/v1/gateways', 'Bearer operator-chosen-token-123')).status).toBe(200);
      expect((await api.get('/api/v1/gateways')).status).toBe(401);
    } finally {
      await api.close();
    }
  });

  it('rejects a DAVY_HUB_TOKEN that no Authorization header can carry', async () => {
    for (const bad of ['', 'has space', 'tab\there', 'ü-token']) {
      await expect(ensureApiToken(store, bad)).rejects.toThrow('DAVY_HUB_TOKEN must be a bearer token');
    }
    expect(await store.tokenDigests()).toEqual([]);
  });
});
