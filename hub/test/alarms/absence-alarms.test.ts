/**
 * Alarms on silence, by the connectivity table, on a real SQLite store with the hub's clock in
 * the test's hands: a series that stops sending while its gateway goes on raises a stale alarm
 * after 3 read intervals and clears when data is back; a gateway the hub no longer hears from
 * raises one gateway alarm after 60 s and no stale alarm for its series; a device its gateway
 * reports offline (device.offline) raises a device alarm and its series stay quiet; alarms
 * open at a restart are taken up again, not raised twice.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { AlarmEngine } from '../../src/alarms/alarm-engine.js';
import { PointLocations } from '../../src/alarms/point-locations.js';
import { readRuleTables } from '../../src/alarms/rule-tables.js';
import type { TestApi } from '../api/test-api.js';
import { TestGateway, type TestPoint } from '../api/test-gateway.js';
import { openCoalMineApi } from './coal-mine-api.js';

const methane: TestPoint = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%', intervalMs: 10_000 };
const carbonMonoxide: TestPoint = { device: 'co-1', point: 'co', metric: 'co_concentration', unit: 'ppm', intervalMs: 10_000 };
const start = 1_800_000_000_000;

let clock = start;
let api: TestApi;
let gateway: TestGateway;

beforeEach(async () => {
  clock = start;
  ({ api, gateway } = await openCoalMineApi(() => clock));
});
afterEach(() => api.close());

/** The gateway sends these points' values (all 0.1) received at `atMs`, or only a heartbeat. */
async function heard(atMs: number, ...points: TestPoint[]): Promise<void> {
  await gateway.send({ samples: points.map((point) => ({ point, timeMs: atMs, value: 0.1 })), receivedAtMs: atMs });
}

/** Sets the hub's clock and sweeps. */
async function sweepAt(atMs: number): Promise<void> {
  clock = atMs;
  await api.engine.sweep();
}

async function alarms(): Promise<Array<Record<string, unknown>>> {
  const response = await api.get('/api/v1/alarms?state=all');
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Array<Record<string, unknown>> }).items;
}

const summary = (alarm: Record<string, unknown>) => [alarm.ruleId, alarm.subject, alarm.subjectKey, alarm.active, alarm.raisedMs, alarm.firstValue, alarm.clearedMs, alarm.lastValue];

describe('alarms on silence', () => {
  it('raises a stale alarm on a series silent for 3 intervals while its gateway goes on, and clears it when data is back', async () => {
    await heard(start, methane, carbonMonoxide);
    for (const s of [10, 20, 30, 40]) await heard(start + s * 1_000, carbonMonoxide);
    await sweepAt(start + 29_999);
    expect(await alarms()).toEqual([]);
    await sweepAt(start + 30_000);
    await sweepAt(start + 40_000); // still silent: the same alarm, not a second one
    const [stale] = await alarms();
    expect(summary(stale!)).toEqual(['series-stale', 'series', 'gw-a/ch4-1/ch4', true, start + 30_000, 30, null, 30]);
    expect(stale).toMatchObject({ ruleTable: 'connectivity', tableVersion: '2026-11-26.2', severity: 'minor', seriesKey: 'gw-a/ch4-1/ch4', device: 'ch4-1', metric: 'ch4_concentration', triggers: 1 });

    await heard(start + 45_000, methane, carbonMonoxide);
    await sweepAt(start + 45_000);
    // Silent from its last sample (start) until the sweep that saw data again: 45 s.
    expect((await alarms()).map(summary)).toEqual([['series-stale', 'series', 'gw-a/ch4-1/ch4', false, start + 30_000, 30, start + 45_000, 45]]);
    const detail = (await (await api.get(`/api/v1/alarms/${String(stale!.id)}`)).json()) as { history: Array<{ what: string; timeMs: number; value: number }> };
    expect(detail.history.map((h) => [h.what, h.timeMs - start, h.value])).toEqual([
      ['raised', 30_000, 30],
      ['cleared', 45_000, 45],
    ]);
  });

  it('raises one gateway alarm after 60 s without a batch or heartbeat, no stale alarm for its series, and clears it on the next heartbeat', async () => {
    await heard(start, methane, carbonMonoxide);
    await sweepAt(start + 59_999);
    expect(await alarms()).toEqual([]);
    await sweepAt(start + 60_000);
    await sweepAt(start + 120_000);
    expect((await alarms()).map(summary)).toEqual([['gateway-offline', 'gateway', 'gw-a', true, start + 60_000, 60, null, 60]]);
    expect((await alarms())[0]).toMatchObject({ seriesKey: null, device: null, metric: null, gatewayId: 'gw-a', severity: 'major' });

    await heard(start + 125_000); // a heartbeat: the gateway is back, its sensors have not sent yet
    await sweepAt(start + 125_000);
    expect((await alarms()).map(summary)).toEqual([['gateway-offline', 'gateway', 'gw-a', false, start + 60_000, 60, start + 125_000, 125]]);
    // Its series were due long ago, but the gateway was not heard after they were due until now.
    await sweepAt(start + 154_999);
    expect(await alarms()).toHaveLength(1);
    await heard(start + 155_000);
    await sweepAt(start + 155_000);
    expect((await alarms()).map((alarm) => [alarm.ruleId, alarm.subjectKey, alarm.active])).toEqual([
      ['series-stale', 'gw-a/co-1/co', true],
      ['series-stale', 'gw-a/ch4-1/ch4', true],
      ['gateway-offline', 'gw-a', false],
    ]);
    const gatewayAlarms = (await (await api.get('/api/v1/alarms?state=all&subject=gateway')).json()) as { items: Array<{ ruleId: string }> };
    expect(gatewayAlarms.items.map((alarm) => alarm.ruleId)).toEqual(['gateway-offline']);
  });

  it('raises a device alarm when its gateway reports it offline, keeps its series quiet, and clears it on device.online', async () => {
    await heard(start, methane, carbonMonoxide);
    await gateway.send({ events: [{ type: 'device.offline', device: 'ch4-1', timeMs: start + 5_000, body: { reason: 'no answer' } }], samples: [{ point: carbonMonoxide, timeMs: start + 5_000, value: 0.1 }], receivedAtMs: start + 5_000 });
    for (const s of [15, 25, 35, 45]) await heard(start + s * 1_000, carbonMonoxide);
    await sweepAt(start + 45_000);
    expect((await alarms()).map(summary)).toEqual([['device-offline', 'device', 'gw-a/ch4-1', true, start + 45_000, 40, null, 40]]);
    expect((await alarms())[0]).toMatchObject({ device: 'ch4-1', gatewayId: 'gw-a', seriesKey: null });

    await gateway.send({ events: [{ type: 'device.online', device: 'ch4-1', timeMs: start + 50_000 }], samples: [{ point: methane, timeMs: start + 50_000, value: 0.1 }], receivedAtMs: start + 50_000 });
    await sweepAt(start + 50_000);
    expect((await alarms()).map(summary)).toEqual([['device-offline', 'device', 'gw-a/ch4-1', false, start + 45_000, 40, start + 50_000, 45]]);
  });

  it('measures a device\'s offline time by the hub\'s clock, whatever its gateway\'s says', async () => {
    // The gateway's clock is 10 min ahead: it times the device's going offline at hub time start.
    const ahead = 600_000;
    await gateway.send({ events: [{ type: 'device.offline', device: 'ch4-1', timeMs: start + ahead }], receivedAtMs: start, sentAtMs: start + ahead });
    await sweepAt(start + 30_000);
    expect((await alarms()).map(summary)).toEqual([['device-offline', 'device', 'gw-a/ch4-1', true, start + 30_000, 30, null, 30]]);
  });

  it('takes an open silence alarm up again after a restart: cleared once, not raised twice', async () => {
    await heard(start, methane);
    await sweepAt(start + 60_000);
    expect((await alarms()).map((alarm) => alarm.ruleId)).toEqual(['gateway-offline']);
    const restarted = new AlarmEngine(api.store, api.registry, new PointLocations(api.registry.db), api.alarms, readRuleTables(), createLogger({ component: 'test', level: 'error' }), () => clock);
    await restarted.restore();
    clock = start + 90_000;
    await restarted.sweep();
    expect(await alarms()).toHaveLength(1);
    await heard(start + 95_000);
    clock = start + 95_000;
    await restarted.sweep();
    expect((await alarms()).map(summary)).toEqual([['gateway-offline', 'gateway', 'gw-a', false, start + 60_000, 60, start + 95_000, 95]]);
  });

  it('raises nothing for a gateway that reports for no site', async () => {
    const stray = new TestGateway(api.store, 'gw-stray');
    await stray.send({ samples: [{ point: methane, timeMs: start, value: 0.1 }], receivedAtMs: start });
    await sweepAt(start + 3_600_000);
    // gw-a has never sent anything: the hub knows no gateway of the site to miss.
    expect(await alarms()).toEqual([]);
  });
});
