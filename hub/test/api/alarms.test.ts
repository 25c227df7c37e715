/**
 * Alarms end to end on a real SQLite store: samples ingested as a gateway sends them raise,
 * escalate, update and clear alarms by the default coal-mine table once the sensor has a
 * location; acknowledgement is independent of clearing; a new trigger after a clear opens a
 * new alarm; a restarted engine takes an active alarm up again; scopes hold (404 outside).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { AlarmEngine } from '../../src/alarms/alarm-engine.js';
import { PointLocations } from '../../src/alarms/point-locations.js';
import { readRuleTables } from '../../src/alarms/rule-tables.js';
import { openTestApi, problemOf, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const methane = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%' };
const key = 'gw-a/ch4-1/ch4';
const enterpriseA = '91350100M000100Y43';
const enterpriseB = '91110000600037341L';
const password = 'Alarm-2026-x';

let api: TestApi;
let gateway: TestGateway;

beforeEach(async () => {
  api = await openTestApi();
  await api.registry.createEnterprise({ code: enterpriseA, name: 'A Coal' });
  await api.registry.createEnterprise({ code: enterpriseB, name: 'B Power' });
  const mine = await api.registry.createSite({ enterpriseCode: enterpriseA, name: 'Mine', kind: 'coal_mine', regionCode: '140105', location: null });
  await api.registry.assignGateway(mine.id, 'gw-a');
  gateway = new TestGateway(api.store, 'gw-a');
});
afterEach(() => api.close());

const admin = () => `Bearer ${api.token}`;

/** Sends (time s, value) samples of the methane sensor and waits for the rules to take them. */
async function send(...samples: Array<[number, number]>): Promise<void> {
  await gateway.send({ samples: samples.map(([s, value]) => ({ point: methane, timeMs: s * 1_000, value })) });
  await api.engine.idle();
}

async function alarms(query = '?state=all', authorization = admin()) {
  const response = await api.get(`/api/v1/alarms${query}`, authorization);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Array<Record<string, unknown>> }).items;
}

describe('alarms', () => {
  it('raises, escalates, updates and clears by the coal-mine table, and opens a new alarm after a clear', async () => {
    await send([1, 1.2]);
    // No location yet: no methane rule applies.
    expect(await alarms()).toEqual([]);
    const put = await api.send('PUT', '/api/v1/point-locations', { key, location: 'working_face' }, admin());
    expect(await put.json()).toEqual({ key, location: 'working_face' });
    await send([2, 0.99], [3, 1.0], [4, 1.6], [5, 1.1], [6, 1.0], [7, 0.9], [8, 1.3]);

    const [second, first] = await alarms();
    expect(first).toMatchObject({
      id: 1,
      ruleTable: 'coal-mine-safety',
      tableVersion: '2026-11-26.1',
      ruleId: 'ch4-face',
      standard: 'Coal Mine Safety Regulations art. 498; AQ 1029-2019: alarm ≥ 1.0 %, power cut ≥ 1.5 %, restore < 1.0 %',
      seriesKey: key,
      location: 'working_face',
      severity: 'critical',
      active: false,
      acknowledged: false,
      raisedMs: 3_000,
      clearedMs: 7_000,
      firstValue: 1.0,
      lastValue: 0.9,
      worstValue: 1.6,
      triggers: 4,
    });
    expect(second).toMatchObject({ id: 2, severity: 'major', active: true, raisedMs: 8_000, firstValue: 1.3, triggers: 1 });
    const detail = (await (await api.get('/api/v1/alarms/1', admin())).json()) as { history: Array<{ timeMs: number; what: string; value: number | null }> };
    expect(detail.history.map((h) => [h.what, h.timeMs, h.value])).toEqual([
      ['raised', 3_000, 1.0],
      ['escalated', 4_000, 1.6],
      ['cleared', 7_000, 0.9],
    ]);
  });

  it('acknowledges apart from clearing, once, with who and why', async () => {
    await send([1, 0.2]);
    await api.send('PUT', '/api/v1/point-locations', { key, location: 'main_return' }, admin());
    await send([2, 0.8]);
    const ack = await api.send('POST', '/api/v1/alarms/1/ack', { comment: 'ventilation raised' }, admin());
    expect(await ack.json()).toMatchObject({ id: 1, active: true, acknowledged: true, acknowledgedBy: 'hub-token', ackComment: 'ventilation raised' });
    expect((await problemOf(await api.send('POST', '/api/v1/alarms/1/ack', { comment: 'again' }, admin()), 409)).detail).toBe('alarm 1 is acknowledged already');
    // Active and acknowledged: still open. Cleared and acknowledged: closed.
    expect((await alarms('?state=open')).map((a) => a.id)).toEqual([1]);
    await send([3, 0.5]);
    expect(await alarms('?state=open')).toEqual([]);
    expect((await alarms('?state=all')).map((a) => [a.id, a.active, a.acknowledged])).toEqual([[1, false, true]]);
  });

  it('takes an active alarm up again after a restart: updated, not raised twice', async () => {
    await send([1, 0.2]);
    await api.send('PUT', '/api/v1/point-locations', { key, location: 'drainage_roadway' }, admin());
    await send([2, 2.6]);
    const restarted = new AlarmEngine(api.store, api.registry, new PointLocations(api.registry.db), api.alarms, readRuleTables(), createLogger({ component: 'test', level: 'error' }));
    await restarted.restore();
    const seriesId = (await api.store.seriesByKey(key))!.id;
    const sample = (timeMs: number, value: number) => ({ seriesId, timeMs, seq: timeMs, value, quality: 1, receivedMs: timeMs });
    restarted.offer([sample(2_000, 2.6), sample(3_000, 2.7), sample(4_000, 2.4)]);
    await restarted.idle();
    expect((await alarms()).map((a) => [a.id, a.active, a.triggers, a.worstValue, a.clearedMs])).toEqual([[1, false, 2, 2.7, 4_000]]);
  });

  it('shows each user the alarms of its scope only', async () => {
    await send([1, 0.2]);
    await api.send('PUT', '/api/v1/point-locations', { key, location: 'working_face' }, admin());
    await send([2, 1.2]);
    await api.users.createUser({ name: 'ent-b', role: 'enterprise', enterpriseCode: enterpriseB, password }, { mustChangePassword: false });
    await api.users.createUser({ name: 'reg-sx', role: 'regulator', regions: ['140000'], password }, { mustChangePassword: false });
    const login = async (name: string) => `Bearer ${((await (await api.send('POST', '/api/v1/auth/login', { name, password }, null)).json()) as { token: string }).token}`;
    const other = await login('ent-b');
    expect(await alarms('?state=all', other)).toEqual([]);
    expect((await problemOf(await api.get('/api/v1/alarms/1', other), 404)).detail).toBe('there is no alarm 1');
    await problemOf(await api.send('POST', '/api/v1/alarms/1/ack', { comment: 'not mine' }, other), 404);
    const regulator = await login('reg-sx');
    expect((await alarms('?state=all', regulator)).map((a) => a.id)).toEqual([1]);
    expect((await (await api.send('POST', '/api/v1/alarms/1/ack', { comment: 'seen' }, regulator)).json()) as { acknowledgedBy: string }).toMatchObject({ acknowledgedBy: 'reg-sx' });
    expect((await problemOf(await api.send('PUT', '/api/v1/point-locations', { key, location: 'other' }, regulator), 403)).detail).toBe('only a platform admin changes the registry');
    expect((await problemOf(await api.send('PUT', '/api/v1/point-locations', { key: 'gw-x/none/p', location: 'other' }, admin()), 404)).detail).toBe('no series has the key "gw-x/none/p"');
  });

  it('lists the rule tables in force with their versions', async () => {
    const { items } = (await (await api.get('/api/v1/alarm-rules', admin())).json()) as { items: Array<{ table: string; version: string; rules: unknown[] }> };
    expect(items.map((t) => [t.table, t.version, t.rules.length])).toEqual([
      ['coal-mine-safety', '2026-11-26.1', 10],
      ['connectivity', '2026-11-26.2', 5],
    ]);
  });
});
