/**
 * The data-quality report on a fixture day (1 October 2023, +08:00): two series read every
 * minute (1,440 expected each) delivered 1,296 and 720 samples — 90 % meets the target, 50 %
 * does not, 70 % for the enterprise; a pushed series is not measured; the gateway's outbox
 * reported one gap of 10 dropped records; its clock ran 750 ms ahead. A day not over yet is
 * measured up to now.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QualityReport } from '../../src/reports/quality-report.js';
import { openTestApi, problemOf, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const enterpriseA = '91350100M000100Y43';
const dayStart = Date.parse('2023-10-01T00:00:00+08:00');
const minute = 60_000;
let api: TestApi;
let nowMs = dayStart + 2 * 86_400_000;

beforeEach(async () => {
  nowMs = dayStart + 2 * 86_400_000;
  api = await openTestApi({ now: () => nowMs });
  await api.registry.createEnterprise({ code: enterpriseA, name: 'A' });
  const site = await api.registry.createSite({ enterpriseCode: enterpriseA, name: 'Mine', kind: 'coal_mine', regionCode: '140105', location: null });
  await api.registry.assignGateway(site.id, 'gw-a');
  const gateway = new TestGateway(api.store, 'gw-a');
  const p1 = { device: 'meter', point: 'p1', metric: 'active_power', unit: 'kW', intervalMs: minute };
  const p2 = { device: 'meter', point: 'p2', metric: 'active_power', unit: 'kW', intervalMs: minute };
  const pushed = { device: 'charger', point: 'energy', metric: 'charging_energy', unit: 'kWh', intervalMs: 0 };
  const minutes = (count: number) => Array.from({ length: count }, (_, m) => dayStart + m * minute);
  await gateway.send({
    samples: [...minutes(1_296).map((timeMs) => ({ point: p1, timeMs, value: 1 })), ...minutes(720).map((timeMs) => ({ point: p2, timeMs, value: 2 })), { point: pushed, timeMs: dayStart + 5 * minute, value: 3 }],
    gaps: [{ dropped: 10, firstTimeMs: dayStart + 800 * minute, lastTimeMs: dayStart + 809 * minute }],
    sentAtMs: dayStart + 86_400_000 + 750,
    receivedAtMs: dayStart + 86_400_000,
  });
});
afterEach(() => api.close());

async function report(at = '2023-10-01'): Promise<QualityReport> {
  const response = await api.get(`/api/v1/reports/quality?enterprise=${enterpriseA}&period=day&at=${at}`, `Bearer ${api.token}`);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${response.status} ${body}`);
  return JSON.parse(body) as QualityReport;
}

describe('data-quality report', () => {
  it('measures completeness per series and enterprise against the 90 % target, with gaps and clock skew', async () => {
    const quality = await report();
    expect(quality.series.map((s) => [s.key, s.expected, s.received, s.completeness, s.meetsTarget])).toEqual([
      ['gw-a/meter/p1', 1_440, 1_296, 0.9, true],
      ['gw-a/meter/p2', 1_440, 720, 0.5, false],
    ]);
    expect(quality.enterprises).toEqual([{ code: enterpriseA, expected: 2_880, received: 2_016, completeness: 0.7, meetsTarget: false }]);
    expect(quality.gateways).toEqual([{ id: 'gw-a', gaps: 1, droppedRecords: 10, clockSkewMs: 750 }]);
    expect(quality.unmeasured).toBe(1);
    expect(quality.target).toMatchObject({ completeness: 0.9, table: 'online-monitoring-quality', version: '2026-11-26.1' });
  });

  it('measures a day not over yet up to now', async () => {
    nowMs = dayStart + 12 * 60 * minute;
    const quality = await report();
    expect(quality.period.measuredToMs).toBe(nowMs);
    expect(quality.series.map((s) => [s.expected, s.received, s.completeness])).toEqual([[720, 720, 1], [720, 720, 1]]);
    expect(quality.gateways[0]).toMatchObject({ gaps: 0, droppedRecords: 0 });
    expect((await problemOf(await api.get('/api/v1/reports/quality?enterprise=91110000600037341L&period=day&at=2023-10-01', `Bearer ${api.token}`), 404)).detail).toBe(
      'there is no enterprise 91110000600037341L',
    );
  });
});
