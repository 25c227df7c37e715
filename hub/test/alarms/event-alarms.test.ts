/**
 * Events the gateways report, as alarms, by the connectivity table on a real SQLite store: an
 * outbox that dropped records (outbox.gap) raises an alarm on its gateway, cleared at once and
 * open until acknowledged, valued at the records dropped; each event once, also across a
 * restart (a cursor in the registry); the first look goes back a day; a gateway of no site
 * raises nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { AlarmEngine } from '../../src/alarms/alarm-engine.js';
import { PointLocations } from '../../src/alarms/point-locations.js';
import { readRuleTables } from '../../src/alarms/rule-tables.js';
import type { TestApi } from '../api/test-api.js';
import { TestGateway } from '../api/test-gateway.js';
import { openCoalMineApi } from './coal-mine-api.js';

const start = 1_800_000_000_000;
const day = 86_400_000;
let clock = start;
let api: TestApi;
let gateway: TestGateway;

beforeEach(async () => {
  clock = start;
  ({ api, gateway } = await openCoalMineApi(() => clock));
});
afterEach(() => api.close());

const dropped = (count: number, firstTimeMs: number) => ({ gaps: [{ dropped: count, firstTimeMs, lastTimeMs: firstTimeMs + count * 1_000 }], receivedAtMs: clock });

async function alarms(): Promise<Array<Record<string, unknown>>> {
  return ((await (await api.get('/api/v1/alarms?state=open')).json()) as { items: Array<Record<string, unknown>> }).items;
}

const summary = (alarm: Record<string, unknown>) => [alarm.ruleId, alarm.subject, alarm.subjectKey, alarm.active, alarm.acknowledged, alarm.raisedMs, alarm.firstValue];

describe('event alarms', () => {
  it('raises one alarm per dropped-records event, cleared at once and open until acknowledged, each event once', async () => {
    await gateway.send(dropped(500, start - 2 * day)); // older than the first look's day
    await gateway.send(dropped(120, start - 60_000));
    await new TestGateway(api.store, 'gw-stray').send(dropped(7, start - 30_000));
    await api.engine.sweep();
    await api.engine.sweep();
    const [first] = await alarms();
    expect((await alarms()).map(summary)).toEqual([['edge-data-lost', 'gateway', 'gw-a', false, false, start - 60_000, 120]]);
    expect(first).toMatchObject({ ruleTable: 'connectivity', tableVersion: '2026-11-26.2', severity: 'major', clearedMs: start - 60_000, gatewayId: 'gw-a', device: null });

    // Later events, one of them timed long ago (sent late), are read from the cursor on.
    clock = start + 60_000;
    await gateway.send(dropped(3, start - 3 * day));
    await api.engine.sweep();
    expect((await alarms()).map((alarm) => [alarm.ruleId, alarm.raisedMs, alarm.firstValue])).toEqual([
      ['edge-data-lost', start - 3 * day, 3],
      ['edge-data-lost', start - 60_000, 120],
    ]);

    // A restarted engine goes on from the cursor kept in the registry: nothing raised twice.
    const restarted = new AlarmEngine(api.store, api.registry, new PointLocations(api.registry.db), api.alarms, readRuleTables(), createLogger({ component: 'test', level: 'error' }), () => clock);
    await restarted.restore();
    await restarted.sweep();
    expect(await alarms()).toHaveLength(2);

    // Acknowledged, it is no longer open.
    const acked = await api.send('POST', `/api/v1/alarms/${String(first!.id)}/ack`, { comment: 'outbox enlarged' });
    expect(acked.status).toBe(200);
    expect((await alarms()).map((alarm) => alarm.firstValue)).toEqual([3]);
  });
});
