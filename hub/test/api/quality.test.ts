/**
 * The data-quality report on a fixture day (1 October 2023, +08:00): two series read every
 * minute (1,440 expected each) delivered 1,296 and 720 samples — 90 % meets the target, 50 %
 * does not, 70 % for the enterprise; a pushed series is not measured; the gateway's outbox
 * reported one gap of 10 dropped records; its clock ran 750 ms ahead. A day not over yet is
 * measured up to now.
 *
 * Late samples (stored more than 300 s after their time, quality-targets.yaml): the gateway
 * forwards, at every fifth minute, what it read in the five minutes before — minute m at the
 * next multiple of 5 after m, 1 to 5 minutes later: never late (5 minutes is exactly 300 s,
 * which is not more). From 08:00 to 09:00 (minutes 480–539) its line was cut: it kept those
 * samples and forwarded them at 09:30 (minute 570), 31 to 90 minutes late. So p1 and p2 each
 * have 60 late samples: 60 / 1,296 = 5/108 and 60 / 720 = 1/12; 120 for the enterprise.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QualityReportSchema } from '../../src/api/reports.js';
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
  // The samples read in minutes [from, to): p1 up to minute 1,296, p2 up to 720, the pushed one at minute 5.
  const read = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => from + i).flatMap((m) => [
      ...(m < 1_296 ? [{ point: p1, timeMs: dayStart + m * minute, value: 1 }] : []),
      ...(m < 720 ? [{ point: p2, timeMs: dayStart + m * minute, value: 2 }] : []),
      ...(m === 5 ? [{ point: pushed, timeMs: dayStart + m * minute, value: 3 }] : []),
    ]);
  const cut = { from: 480, to: 540, forwardedAt: 570 };
  for (let at = 5; at <= 1_300; at += 5) {
    const samples = at > cut.from && at <= cut.to ? [] : at === cut.forwardedAt ? [...read(cut.from, cut.to), ...read(at - 5, at)] : read(at - 5, at);
    if (samples.length === 0) continue; // the line is cut: nothing arrives
    const receivedAtMs = dayStart + at * minute;
    await gateway.send({
      samples,
      gaps: at === 810 ? [{ dropped: 10, firstTimeMs: dayStart + 800 * minute, lastTimeMs: dayStart + 809 * minute }] : [],
      sentAtMs: receivedAtMs + 750,
      receivedAtMs,
    });
  }
});
afterEach(() => api.close());

async function report(at = '2023-10-01'): Promise<QualityReport> {
  const response = await api.get(`/api/v1/reports/quality?enterprise=${enterpriseA}&period=day&at=${at}`, `Bearer ${api.token}`);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${response.status} ${body}`);
  const parsed = JSON.parse(body) as QualityReport;
  // The answer is what the OpenAPI document says: parsing strips any field it does not name, and fails on one missing.
  expect(QualityReportSchema.parse(parsed)).toEqual(parsed);
  return parsed;
}

describe('data-quality report', () => {
  it('measures completeness per series and enterprise against the 90 % target, with gaps and clock skew', async () => {
    const quality = await report();
    expect(quality.series.map((s) => [s.key, s.expected, s.received, s.completeness, s.meetsTarget, s.late, s.lateShare])).toEqual([
      ['gw-a/meter/p1', 1_440, 1_296, 0.9, true, 60, 5 / 108],
      ['gw-a/meter/p2', 1_440, 720, 0.5, false, 60, 1 / 12],
    ]);
    expect(quality.enterprises).toEqual([{ code: enterpriseA, expected: 2_880, received: 2_016, completeness: 0.7, meetsTarget: false, late: 120 }]);
    expect(quality.gateways).toEqual([{ id: 'gw-a', gaps: 1, droppedRecords: 10, clockSkewMs: 750 }]);
    expect(quality.unmeasured).toBe(1);
    expect(quality.target).toMatchObject({ completeness: 0.9, table: 'online-monitoring-quality', version: '2026-11-26.2', late: { afterSeconds: 300 } });
    expect(quality.target.late.meaning).toContain('Davy default');
  });

  it('measures a day not over yet up to now', async () => {
    nowMs = dayStart + 12 * 60 * minute;
    const quality = await report();
    expect(quality.period.measuredToMs).toBe(nowMs);
    // 00:00–12:00 holds the cut (08:00–09:00): each series' 60 late samples of the day are all in it.
    expect(quality.series.map((s) => [s.expected, s.received, s.completeness, s.late, s.lateShare])).toEqual([[720, 720, 1, 60, 1 / 12], [720, 720, 1, 60, 1 / 12]]);
    expect(quality.enterprises.map((e) => e.late)).toEqual([120]);
    expect(quality.gateways[0]).toMatchObject({ gaps: 0, droppedRecords: 0 });
    expect((await problemOf(await api.get('/api/v1/reports/quality?enterprise=91110000600037341L&period=day&at=2023-10-01', `Bearer ${api.token}`), 404)).detail).toBe(
      'there is no enterprise 91110000600037341L',
    );
  });
});
