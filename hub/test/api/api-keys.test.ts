/**
 * API keys for data sharing: made by a platform admin (the secret shown once), they read only
 * the routes and enterprises they were given, change nothing, keep to their rate (429 with
 * Retry-After), and stop at once when revoked.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, problemOf, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const enterpriseA = '91350100M000100Y43';
const enterpriseB = '91110000600037341L';
const methane = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%' };
let api: TestApi;
let nowMs = Date.UTC(2026, 10, 26, 8);

beforeEach(async () => {
  nowMs = Date.UTC(2026, 10, 26, 8);
  api = await openTestApi({ now: () => nowMs });
  await api.registry.createEnterprise({ code: enterpriseA, name: 'A' });
  await api.registry.createEnterprise({ code: enterpriseB, name: 'B' });
  for (const [code, gateway, region] of [[enterpriseA, 'gw-a', '140105'], [enterpriseB, 'gw-b', '140200']] as const) {
    const site = await api.registry.createSite({ enterpriseCode: code, name: 'Site', kind: 'coal_mine', regionCode: region, location: null });
    await api.registry.assignGateway(site.id, gateway);
    await new TestGateway(api.store, gateway).send({ samples: [{ point: methane, timeMs: 1_000, value: 0.3 }] });
  }
});
afterEach(() => api.close());

async function makeKey(body: Record<string, unknown>): Promise<{ id: number; secret: string }> {
  const response = await api.send('POST', '/api/v1/api-keys', body, `Bearer ${api.token}`);
  const made = (await response.json()) as { id: number; secret: string };
  if (response.status !== 201) throw new Error(`${response.status} ${JSON.stringify(made)}`);
  return made;
}

describe('API keys', () => {
  it('read their routes and enterprises only, and change nothing', async () => {
    const { id, secret } = await makeKey({ name: 'egov-exchange', routes: ['/api/v1/series', '/api/v1/series/history'], enterprises: [enterpriseA.toLowerCase()], ratePerMinute: 100 });
    expect(secret).toMatch(/^davy_k_[A-Za-z0-9_-]{43}$/);
    const key = `Bearer ${secret}`;
    const series = (await (await api.get('/api/v1/series', key)).json()) as { items: Array<{ key: string }> };
    expect(series.items.map((s) => s.key)).toEqual(['gw-a/ch4-1/ch4']);
    expect((await api.get('/api/v1/series/history?key=gw-a/ch4-1/ch4&from=0&to=5000', key)).status).toBe(200);
    expect((await problemOf(await api.get('/api/v1/series/history?key=gw-b/ch4-1/ch4&from=0&to=5000', key), 404)).detail).toBe("no series has the key 'gw-b/ch4-1/ch4'");
    expect((await problemOf(await api.get('/api/v1/series/latest', key), 403)).detail).toBe('API key egov-exchange may read /api/v1/series, /api/v1/series/history, not /api/v1/series/latest');
    expect((await problemOf(await api.send('POST', '/api/v1/enterprises', { code: enterpriseB, name: 'x' }, key), 403)).detail).toBe('an API key reads only: it changes nothing');
    const listed = (await (await api.get('/api/v1/api-keys', `Bearer ${api.token}`)).json()) as { items: Array<Record<string, unknown>> };
    expect(listed.items).toEqual([
      { id, name: 'egov-exchange', routes: ['/api/v1/series', '/api/v1/series/history'], enterprises: [enterpriseA], ratePerMinute: 100, created: expect.any(String), createdMs: nowMs, revokedMs: null },
    ]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    // Audited under the key's name.
    expect((await api.audit.list({ limit: 20 })).some((record) => record.actor === 'key:egov-exchange' && record.action === 'export')).toBe(true);
  });

  it('keep to their rate, and stop when revoked', async () => {
    const { id, secret } = await makeKey({ name: 'slow', routes: ['/api/v1/sites'], enterprises: [enterpriseB], ratePerMinute: 3 });
    const key = `Bearer ${secret}`;
    for (let i = 0; i < 3; i += 1) expect((await api.get('/api/v1/sites', key)).status).toBe(200);
    const limited = await api.get('/api/v1/sites', key);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect((await problemOf(limited, 429)).detail).toBe('API key slow may make 3 requests a minute; try again in 20 s');
    nowMs += 20_000;
    const sites = (await (await api.get('/api/v1/sites', key)).json()) as { items: Array<{ enterpriseCode: string }> };
    expect(sites.items.map((s) => s.enterpriseCode)).toEqual([enterpriseB]);
    expect((await api.send('DELETE', `/api/v1/api-keys/${id}`, {}, `Bearer ${api.token}`)).status).toBe(204);
    expect((await problemOf(await api.get('/api/v1/sites', key), 401)).detail).toBe('the bearer token is not valid');
    expect((await problemOf(await api.send('DELETE', `/api/v1/api-keys/${id}`, {}, `Bearer ${api.token}`), 404)).detail).toBe(`there is no live API key ${id}`);
  });

  it('are made only by platform admins, and only for data routes', async () => {
    const refused = async (body: Record<string, unknown>) => (await problemOf(await api.send('POST', '/api/v1/api-keys', body, `Bearer ${api.token}`), 400)).errors;
    expect((await refused({ name: 'k', routes: ['/api/v1/users'], enterprises: [enterpriseA], ratePerMinute: 10 }))!.map((e) => e.name)).toEqual(['routes.0']);
    expect(await refused({ name: 'k2', routes: ['/api/v1/series'], enterprises: ['91350203M0001QAY9B'], ratePerMinute: 10 })).toEqual([
      { name: 'enterprises', in: 'body', detail: '"91350203M0001QAY9B" fails its check character: the 18th character should be "9", not "B"' },
    ]);
    const { secret } = await makeKey({ name: 'reader', routes: ['/api/v1/series'], enterprises: [enterpriseA], ratePerMinute: 10 });
    expect((await problemOf(await api.get('/api/v1/api-keys', `Bearer ${secret}`), 403)).detail).toBe('API key reader may read /api/v1/series, not /api/v1/api-keys');
  });
});
