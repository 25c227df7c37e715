/**
 * Events the gateways report, as alarms, by the connectivity table on a real SQLite store: an
 * outbox that dropped records (outbox.gap) raises an alarm on its gateway, cleared at once and
 * open until acknowledged, valued at the records dropped; each event once, also across a
 * restart and once only between sweeps (a row per event handled, a cursor over the settled
 * ones); an event received over a day ago and never handled is history; a gateway of no site
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

/** The open alarms of gateways' events (the clock moves on here: silence alarms come too, and are not these). */
async function alarms(): Promise<Array<Record<string, unknown>>> {
  return ((await (await api.get('/api/v1/alarms?state=open')).json()) as { items: Array<Record<string, unknown>> }).items.filter((alarm) => alarm.ruleId === 'edge-data-lost');
}

const summary = (alarm: Record<string, unknown>) => [alarm.ruleId, alarm.subject, alarm.subjectKey, alarm.active, alarm.acknowledged, alarm.raisedMs, alarm.firstValue];

describe('event alarms', () => {
  it('raises one alarm per dropped-records event, cleared at once and open until acknowledged, each event once', async () => {
    await gateway.send({ ...dropped(500, start - 2 * day), receivedAtMs: start - 2 * day }); // received two days ago: history
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

    // Events stay read again each sweep (one committing late on PostgreSQL may hold a lower id)
    // until received 10 min ago; then the cursor passes them and their rows go.
    const rows = async () => ({
      cursor: (await api.registry.db.query<{ last_event_id: number }>("SELECT last_event_id FROM alarm_event_cursors WHERE rule_key = 'connectivity/edge-data-lost'"))[0]?.last_event_id,
      handled: (await api.registry.db.query<{ event_id: number }>("SELECT event_id FROM alarm_events_handled WHERE rule_key = 'connectivity/edge-data-lost' ORDER BY event_id")).map((row) => row.event_id),
    });
    expect(await rows()).toEqual({ cursor: 1, handled: [2, 3, 4] }); // event 1 was received two days ago: settled
    clock = start + 600_000;
    await api.engine.sweep();
    expect(await rows()).toEqual({ cursor: 3, handled: [4] });

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
