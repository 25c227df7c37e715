/**
 * Users, roles and scopes on a real SQLite store: an enterprise user sees only its enterprise,
 * a regulator only its region (each gets 404 for the rest, as for something that does not
 * exist), an audit admin no data; logins lock after 5 failures for 15 minutes, sessions end
 * after 30 idle minutes, and a first password must be changed before anything else.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockoutMs, sessionIdleMs } from '../../src/access/users.js';
import { openTestApi, problemOf, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const methane = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%' };
const enterpriseA = '91350100M000100Y43';
const enterpriseB = '91110000600037341L';
const password = 'Coal-mine-2026';
const start = Date.UTC(2026, 10, 26, 8);

let api: TestApi;
let nowMs = start;
let siteB = 0;

beforeEach(async () => {
  nowMs = start;
  api = await openTestApi({ now: () => nowMs });
  const { registry, users } = api;
  await registry.createEnterprise({ code: enterpriseA, name: 'A Coal' });
  await registry.createEnterprise({ code: enterpriseB, name: 'B Power' });
  const a = await registry.createSite({ enterpriseCode: enterpriseA, name: 'Taiyuan mine', kind: 'coal_mine', regionCode: '140105', location: null });
  const b = await registry.createSite({ enterpriseCode: enterpriseB, name: 'Datong plant', kind: 'power_plant', regionCode: '140200', location: null });
  siteB = b.id;
  await registry.assignGateway(a.id, 'gw-a');
  await registry.assignGateway(b.id, 'gw-b');
  for (const gateway of ['gw-a', 'gw-b', 'gw-unassigned']) {
    await new TestGateway(api.store, gateway).send({ samples: [{ point: methane, timeMs: 1_000, value: 0.4 }], events: [{ type: 'device.offline', device: 'ch4-1', timeMs: 2_000 }] });
  }
  const made = { mustChangePassword: false };
  await users.createUser({ name: 'ent-a', role: 'enterprise', enterpriseCode: enterpriseA, password }, made);
  await users.createUser({ name: 'reg-taiyuan', role: 'regulator', regions: ['140100'], password }, made);
  await users.createUser({ name: 'reg-shanxi', role: 'regulator', regions: ['140000'], password }, made);
  await users.createUser({ name: 'auditor', role: 'audit_admin', password }, made);
});
afterEach(() => api.close());

async function login(name: string, secret = password): Promise<string> {
  const response = await api.send('POST', '/api/v1/auth/login', { name, password: secret }, null);
  const body = (await response.json()) as { token: string };
  if (response.status !== 200) throw new Error(`login ${name}: ${response.status} ${JSON.stringify(body)}`);
  return body.token;
}

async function get<T>(token: string, url: string): Promise<T> {
  const response = await api.get(url, `Bearer ${token}`);
  const body = (await response.json()) as T;
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** What a user sees of gateways, series, latest values, devices, events, enterprises and sites. */
async function seen(token: string) {
  const items = async <T>(url: string) => (await get<{ items: T[] }>(token, url)).items;
  return {
    gateways: (await items<{ id: string }>('/api/v1/gateways')).map((g) => g.id),
    series: (await items<{ key: string }>('/api/v1/series')).map((s) => s.key),
    latest: (await items<{ key: string }>('/api/v1/series/latest')).map((s) => s.key),
    devices: (await items<{ gateway: string }>('/api/v1/devices')).map((d) => d.gateway),
    events: (await items<{ gateway: string }>('/api/v1/events')).map((e) => e.gateway),
    enterprises: (await items<{ code: string }>('/api/v1/enterprises')).map((e) => e.code),
    sites: (await items<{ name: string }>('/api/v1/sites')).map((s) => s.name),
  };
}

const history = (key: string) => `/api/v1/series/history?key=${encodeURIComponent(key)}&from=0&to=10000`;

describe('scopes', () => {
  it('shows an enterprise user its own enterprise only, and answers 404 for another one\'s series, enterprise and site', async () => {
    const token = await login('ent-a');
    expect(await seen(token)).toEqual({
      gateways: ['gw-a'],
      series: ['gw-a/ch4-1/ch4'],
      latest: ['gw-a/ch4-1/ch4'],
      devices: ['gw-a'],
      events: ['gw-a'],
      enterprises: [enterpriseA],
      sites: ['Taiyuan mine'],
    });
    expect((await get<{ points: Array<{ value: number }> }>(token, history('gw-a/ch4-1/ch4'))).points.map((p) => p.value)).toEqual([0.4]);
    const notFound = async (url: string) => (await problemOf(await api.get(url, `Bearer ${token}`), 404)).detail;
    expect(await notFound(history('gw-b/ch4-1/ch4'))).toBe("no series has the key 'gw-b/ch4-1/ch4'");
    expect(await notFound(`/api/v1/enterprises/${enterpriseB}`)).toBe(`there is no enterprise ${enterpriseB}`);
    expect(await notFound(`/api/v1/sites/${siteB}`)).toBe(`there is no site ${siteB}`);
    expect((await get<{ items: unknown[] }>(token, '/api/v1/events?gateway=gw-b')).items).toEqual([]);
    const write = await problemOf(await api.send('POST', '/api/v1/enterprises', { code: '91350200776049653A', name: 'X' }, `Bearer ${token}`), 403);
    expect(write.detail).toBe('only a platform admin changes the registry');
  });

  it('shows a regulator the sites in its division and every division under it', async () => {
    const city = await login('reg-taiyuan');
    expect(await seen(city)).toMatchObject({ gateways: ['gw-a'], series: ['gw-a/ch4-1/ch4'], enterprises: [enterpriseA], sites: ['Taiyuan mine'] });
    expect((await problemOf(await api.get(history('gw-b/ch4-1/ch4'), `Bearer ${city}`), 404)).detail).toBe("no series has the key 'gw-b/ch4-1/ch4'");
    const province = await login('reg-shanxi');
    expect(await seen(province)).toMatchObject({ gateways: ['gw-a', 'gw-b'], events: ['gw-b', 'gw-a'], enterprises: [enterpriseB, enterpriseA], sites: ['Taiyuan mine', 'Datong plant'] });
    // A gateway on no site is the platform's alone.
    expect((await seen(api.token)).gateways).toEqual(['gw-a', 'gw-b', 'gw-unassigned']);
  });

  it('gives an audit admin no data and no user management', async () => {
    const token = await login('auditor');
    expect((await problemOf(await api.get('/api/v1/series', `Bearer ${token}`), 403)).detail).toBe('an audit admin reads the audit log only');
    expect((await problemOf(await api.get('/api/v1/users', `Bearer ${token}`), 403)).detail).toBe('only a platform admin manages users and API keys');
  });
});

describe('logins and sessions', () => {
  it('locks an account for 15 minutes after 5 failed logins in a row', async () => {
    for (let failure = 1; failure <= 4; failure += 1) {
      expect((await problemOf(await api.send('POST', '/api/v1/auth/login', { name: 'ent-a', password: 'Wrong-pass-1' }, null), 401)).detail).toBe('the user name or the password is wrong');
    }
    const until = new Date(start + lockoutMs).toISOString();
    const locked = `the account is locked until ${until} after 5 failed logins in a row; try again then, or ask a platform admin`;
    expect((await problemOf(await api.send('POST', '/api/v1/auth/login', { name: 'ent-a', password: 'Wrong-pass-1' }, null), 423)).detail).toBe(locked);
    // The right password does not open it before the time.
    nowMs = start + lockoutMs - 1;
    expect((await problemOf(await api.send('POST', '/api/v1/auth/login', { name: 'ent-a', password }, null), 423)).detail).toBe(locked);
    nowMs = start + lockoutMs;
    expect(await login('ent-a')).toMatch(/^davy_s_/);
    // An unknown name is answered as a wrong password, and never locks.
    expect((await problemOf(await api.send('POST', '/api/v1/auth/login', { name: 'nobody', password }, null), 401)).detail).toBe('the user name or the password is wrong');
  });

  it('ends a session after 30 minutes without a request, and at logout', async () => {
    const token = await login('ent-a');
    nowMs += sessionIdleMs - 60_000;
    await get(token, '/api/v1/series');
    nowMs += sessionIdleMs - 60_000;
    await get(token, '/api/v1/series');
    nowMs += sessionIdleMs + 1;
    expect((await problemOf(await api.get('/api/v1/series', `Bearer ${token}`), 401)).detail).toBe('the bearer token is not valid');
    const again = await login('ent-a');
    expect((await api.send('POST', '/api/v1/auth/logout', {}, `Bearer ${again}`)).status).toBe(204);
    await problemOf(await api.get('/api/v1/series', `Bearer ${again}`), 401);
  });

  it('makes the first admin change its generated password before anything else, to a strong one', async () => {
    // A hub at its first start: no user yet.
    await api.close();
    api = await openTestApi({ now: () => nowMs });
    const admin = (await api.users.ensureFirstAdmin())!;
    expect(admin.name).toBe('admin');
    expect(await api.users.ensureFirstAdmin()).toBeUndefined();
    const login = await api.send('POST', '/api/v1/auth/login', admin, null);
    expect(login.status).toBe(200);
    const session = (await login.json()) as { token: string; mustChangePassword: boolean; user: { role: string } };
    expect([session.mustChangePassword, session.user.role]).toEqual([true, 'platform_admin']);
    const auth = `Bearer ${session.token}`;
    expect((await problemOf(await api.get('/api/v1/series', auth), 403)).detail).toBe('change your password first: POST /api/v1/auth/password with currentPassword and newPassword');
    const change = (newPassword: string, currentPassword = admin.password) => api.send('POST', '/api/v1/auth/password', { currentPassword, newPassword }, auth);
    const weak = async (newPassword: string) => (await problemOf(await change(newPassword), 400)).errors;
    expect(await weak('Short1!')).toEqual([{ name: 'newPassword', in: 'body', detail: 'is shorter than 8 characters' }]);
    expect(await weak('alllowercase1')).toEqual([{ name: 'newPassword', in: 'body', detail: 'needs characters from at least 3 of: lower case, upper case, digits, others' }]);
    expect(await weak('Admin-2026-x')).toEqual([{ name: 'newPassword', in: 'body', detail: 'contains the user name' }]);
    expect((await problemOf(await change('Strong-2026-x', 'not-it'), 400)).errors).toEqual([{ name: 'currentPassword', in: 'body', detail: 'is not the current password' }]);
    expect((await change('Strong-2026-x')).status).toBe(204);
    expect((await api.get('/api/v1/series', auth)).status).toBe(200);
    // Kept as an scrypt hash, never as the password.
    const [row] = await api.registry.db.query<{ password_hash: string }>("SELECT password_hash FROM users WHERE name = 'admin'");
    expect(row!.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row!.password_hash).not.toContain('Strong-2026-x');
  });

  it('lets a platform admin make users, each checked, each to change its password at the first login', async () => {
    const admin = `Bearer ${api.token}`;
    const made = await api.send('POST', '/api/v1/users', { name: 'reg-datong', role: 'regulator', regions: ['140200'], password: 'Datong-2026' }, admin);
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({ name: 'reg-datong', role: 'regulator', regions: ['140200'], enterpriseCode: null, mustChangePassword: true, lockedUntilMs: null });
    const refused = async (body: Record<string, unknown>) => (await problemOf(await api.send('POST', '/api/v1/users', { password: 'Datong-2026', ...body }, admin), 400)).errors;
    expect(await refused({ name: 'r', role: 'regulator', regions: [] })).toEqual([{ name: 'name', in: 'body', detail: 'is not a user name: 2 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit' }]);
    expect(await refused({ name: 'r2', role: 'regulator' })).toEqual([{ name: 'regions', in: 'body', detail: 'a regulator needs the division codes (GB/T 2260) it oversees, e.g. ["140100"]' }]);
    expect(await refused({ name: 'e2', role: 'enterprise', enterpriseCode: '91350200776049653A' })).toEqual([
      { name: 'enterpriseCode', in: 'body', detail: 'there is no enterprise 91350200776049653A: register it first (POST /api/v1/enterprises)' },
    ]);
    expect(await refused({ name: 'e3', role: 'enterprise', enterpriseCode: enterpriseA, password: 'password' })).toEqual([
      { name: 'password', in: 'body', detail: 'needs characters from at least 3 of: lower case, upper case, digits, others' },
    ]);
    expect((await problemOf(await api.send('POST', '/api/v1/users', { name: 'ent-a', role: 'audit_admin', password: 'Datong-2026' }, admin), 409)).detail).toBe('there is a user ent-a already');
    const regulator = await login('reg-datong', 'Datong-2026');
    expect((await problemOf(await api.get('/api/v1/users', `Bearer ${regulator}`), 403)).detail).toBe('change your password first: POST /api/v1/auth/password with currentPassword and newPassword');
  });
});
