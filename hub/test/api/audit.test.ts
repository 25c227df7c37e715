/**
 * The audit log: logins, failed logins, changes (refused ones too) and exports recorded with
 * who, from where, what, on what and the result; read by audit and platform admins only; its
 * SM3 chain shows an edited, a deleted or a removed-from-the-start record, and survives
 * retention, which records what it removed; `davy-hub audit verify` says so with its exit code.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDavy, tempDir } from '@davy/runtime/testing';
import { createLogger } from '@davy/runtime';
import { AuditLog, type AuditRecord } from '../../src/audit/audit-log.js';
import { AuditRetention } from '../../src/audit/audit-retention.js';
import { openRegistry } from '../../src/registry/open-registry.js';
import { openTestApi, problemOf, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const password = 'Audit-2026-x';
const start = Date.UTC(2026, 10, 26, 8);
let api: TestApi;
let nowMs = start;

beforeEach(async () => {
  nowMs = start;
  api = await openTestApi({ now: () => nowMs });
  await api.users.createUser({ name: 'auditor', role: 'audit_admin', password }, { mustChangePassword: false });
  await api.users.createUser({ name: 'reg', role: 'regulator', regions: ['140000'], password }, { mustChangePassword: false });
  await new TestGateway(api.store, 'gw-1').send({ samples: [{ point: { device: 'd', point: 'p', metric: 'temperature', unit: '°C' }, timeMs: 1_000, value: 20 }] });
});
afterEach(() => api.close());

async function login(name: string, secret = password): Promise<Response> {
  return api.send('POST', '/api/v1/auth/login', { name, password: secret }, null);
}

const fields = (record: AuditRecord) => [record.actor, record.role, record.action, record.target, record.result];

describe('the audit log', () => {
  it('records logins, failed logins, changes, refusals and exports, and only admins read it', async () => {
    expect((await login('reg', 'Wrong-1234')).status).toBe(401);
    const reg = ((await (await login('reg')).json()) as { token: string }).token;
    await api.send('POST', '/api/v1/enterprises', { code: '91350100M000100Y43', name: 'A' }, `Bearer ${api.token}`);
    await api.send('POST', '/api/v1/enterprises', { code: '91110000600037341L', name: 'B' }, `Bearer ${reg}`);
    await api.get('/api/v1/series/history?key=gw-1/d/p&from=0&to=5000', `Bearer ${api.token}`);
    await api.get('/api/v1/series', `Bearer ${reg}`);
    const auditor = ((await (await login('auditor')).json()) as { token: string }).token;
    const read = await api.get('/api/v1/audit', `Bearer ${auditor}`);
    const records = ((await read.json()) as { items: AuditRecord[] }).items;
    expect(records.map(fields)).toEqual([
      ['auditor', 'none', 'login', '/api/v1/auth/login', 'ok'],
      ['hub-token', 'platform_admin', 'export', '/api/v1/series/history?key=gw-1/d/p&from=0&to=5000', 'ok'],
      ['reg', 'regulator', 'POST /api/v1/enterprises', '/api/v1/enterprises', '403 only a platform admin changes the registry'],
      ['hub-token', 'platform_admin', 'POST /api/v1/enterprises', '/api/v1/enterprises', 'ok'],
      ['reg', 'none', 'login', '/api/v1/auth/login', 'ok'],
      ['reg', 'none', 'login_failed', '/api/v1/auth/login', '401 the user name or the password is wrong'],
    ]);
    expect(records.every((record) => record.source === 'unknown' && record.timeMs === start)).toBe(true);
    // Reading the log is an export too; a regulator may not.
    expect((await api.audit.list({ limit: 1 })).map(fields)).toEqual([['auditor', 'audit_admin', 'export', '/api/v1/audit', 'ok']]);
    expect((await problemOf(await api.get('/api/v1/audit', `Bearer ${reg}`), 403)).detail).toBe('only a platform admin or an audit admin reads the audit log');
    expect(JSON.stringify(await api.audit.list({ limit: 100 }))).not.toContain(password);
  });

  it('finds an edited, a deleted and a removed-from-the-start record, and stays intact through retention', async () => {
    // The log is empty: the users above were made without the API.
    for (let i = 0; i < 5; i += 1) {
      nowMs = start + i * 86_400_000;
      await api.audit.append({ actor: 'admin', role: 'platform_admin', source: '10.0.0.1', action: 'POST /api/v1/sites', target: `/api/v1/sites#${i}`, result: 'ok' });
    }
    expect(await api.audit.verify()).toEqual({ intact: true, records: 5, firstId: 1, lastId: 5 });
    const db = api.registry.db;
    await db.query("UPDATE audit_log SET result = 'refused' WHERE id = 3");
    expect(await api.audit.verify()).toEqual({ intact: false, id: 3, reason: 'its content does not match its hash: it was edited' });
    await db.query("UPDATE audit_log SET result = 'ok' WHERE id = 3");
    await db.query('DELETE FROM audit_log WHERE id = 4');
    expect(await api.audit.verify()).toEqual({ intact: false, id: 5, reason: 'record 4 is missing: deleted' });
    await db.query('DELETE FROM audit_log WHERE id IN (1, 2)');
    expect(await api.audit.verify()).toEqual({
      intact: false,
      id: 3,
      reason: 'the log starts at record 3, but no retention record says records up to 2 were removed with this anchor: records were deleted',
    });
    await db.query('DELETE FROM audit_log');

    // Retention: records older than 180 days go, and the chain starts at the anchor it recorded.
    for (let i = 0; i < 4; i += 1) {
      nowMs = start + i * 100 * 86_400_000;
      await api.audit.append({ actor: 'admin', role: 'platform_admin', source: '10.0.0.1', action: 'POST /api/v1/users', target: `/api/v1/users#${i}`, result: 'ok' });
    }
    nowMs = start + 400 * 86_400_000;
    // Days 0, 100 and 200 are older than 180 days on day 400; day 300 stays.
    expect(await api.audit.prune(180)).toBe(3);
    const kept = await api.audit.list({ limit: 10 });
    expect(kept.map((record) => [record.id, record.action, record.target])).toEqual([
      [5, 'audit.prune', 'through 3'],
      [4, 'POST /api/v1/users', '/api/v1/users#3'],
    ]);
    expect(await api.audit.verify()).toEqual({ intact: true, records: 2, firstId: 4, lastId: 5 });
    await db.query('DELETE FROM audit_log WHERE id = 4');
    expect(await api.audit.verify()).toEqual({
      intact: false,
      id: 5,
      reason: 'the log starts at record 5, but no retention record says records up to 4 were removed with this anchor: records were deleted',
    });
  });
});

describe('a head kept outside the database', () => {
  it('shows the newest records removed and the whole chain written again, which the chain alone cannot', async () => {
    const append = (target: string) => api.audit.append({ actor: 'admin', role: 'platform_admin', source: '10.0.0.1', action: 'POST /api/v1/sites', target, result: 'ok' });
    for (const target of ['/a', '/b', '/c', '/d']) await append(target);
    const kept = (await api.audit.head())!;
    expect(kept.id).toBe(4);
    // What the hub logs every hour, and what an outside reader gets from the API, is that head.
    expect((await api.audit.list({ limit: 1 }))[0]!.hash).toBe(kept.hash);
    expect(await api.audit.verify(kept)).toEqual({ intact: true, records: 4, firstId: 1, lastId: 4 });
    await append('/e');
    expect(await api.audit.verify(kept)).toEqual({ intact: true, records: 5, firstId: 1, lastId: 5 });

    const db = api.registry.db;
    await db.query('DELETE FROM audit_log WHERE id >= 4');
    expect(await api.audit.verify()).toEqual({ intact: true, records: 3, firstId: 1, lastId: 3 });
    expect(await api.audit.verify(kept)).toEqual({ intact: false, id: 4, reason: 'the log ends at record 3, but record 4 was kept outside as its head: the newest records were removed' });

    // Someone with write access makes a whole new chain, every link right.
    await db.query('DELETE FROM audit_log');
    for (const target of ['/a', '/b', '/x', '/d']) await append(target);
    expect(await api.audit.verify()).toEqual({ intact: true, records: 4, firstId: 1, lastId: 4 });
    expect(await api.audit.verify(kept)).toEqual({ intact: false, id: 4, reason: 'its hash is not the one kept outside: the chain was written again up to it' });
    expect(await api.audit.verify({ id: 2, hash: (await api.audit.list({ limit: 10 })).find((r) => r.id === 2)!.hash })).toMatchObject({ intact: true });
  });

  it('is logged by the hourly upkeep, with the command that checks it', async () => {
    await api.audit.append({ actor: 'admin', role: 'platform_admin', source: '10.0.0.1', action: 'POST /api/v1/sites', target: '/a', result: 'ok' });
    const lines: string[] = [];
    await new AuditRetention(api.audit, 180, createLogger({ component: 'test', level: 'info', sink: { write: (line) => lines.push(line) } })).run();
    const { hash } = (await api.audit.head())!;
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === 'audit.head')).toMatchObject([{ id: 1, hash, check: `davy-hub audit verify --head 1:${hash}` }]);
  });
});

describe('davy-hub audit verify', () => {
  it('exits 0 on an intact log and 1 naming the first tampered record', async () => {
    const { dir, remove } = tempDir('davy-audit-');
    try {
      // A hub's database, with its audit log, as the hub leaves it.
      const file = path.join(dir, 'hub.db');
      const registry = await openRegistry({ engine: 'sqlite', file }, dir, createLogger({ component: 'test', level: 'error' }));
      const audit = new AuditLog(registry.db);
      for (const target of ['/a', '/b']) await audit.append({ actor: 'admin', role: 'platform_admin', source: '127.0.0.1', action: 'POST /api/v1/sites', target, result: 'ok' });
      await registry.close();

      const intact = await runDavy('hub', ['audit', 'verify', '--data', dir]);
      expect([intact.code, intact.output.trim()]).toEqual([0, 'audit log intact: 2 records (records 1 to 2), every SM3 link checked']);
      const db = new Database(file);
      db.prepare("UPDATE audit_log SET actor = 'someone' WHERE id = 2").run();
      db.close();
      const broken = await runDavy('hub', ['audit', 'verify', '--data', dir]);
      expect([broken.code, broken.output.trim()]).toEqual([1, 'audit log broken at record 2: its content does not match its hash: it was edited']);

      // With the head kept outside: intact holds it; the newest record removed is found.
      const again = new Database(file);
      again.prepare("UPDATE audit_log SET actor = 'admin' WHERE id = 2").run();
      const head = again.prepare<[], { hash: string }>('SELECT hash FROM audit_log WHERE id = 2').get()!.hash;
      const holds = await runDavy('hub', ['audit', 'verify', '--data', dir, '--head', `2:${head}`]);
      expect([holds.code, holds.output.trim()]).toEqual([0, 'audit log intact: 2 records (records 1 to 2), every SM3 link checked, and it holds record 2 as kept outside']);
      again.prepare('DELETE FROM audit_log WHERE id = 2').run();
      again.close();
      const cut = await runDavy('hub', ['audit', 'verify', '--data', dir, '--head', `2:${head}`]);
      expect([cut.code, cut.output.trim()]).toEqual([1, 'audit log broken at record 2: the log ends at record 1, but record 2 was kept outside as its head: the newest records were removed']);
      const wrong = await runDavy('hub', ['audit', 'verify', '--data', dir, '--head', '2']);
      expect(wrong.code).toBe(2);
      expect(wrong.output).toContain("--head 2 is not ID:HASH: give a record's id and its 64-hex-digit SM3 hash");
    } finally {
      remove();
    }
  }, 30_000);
});
