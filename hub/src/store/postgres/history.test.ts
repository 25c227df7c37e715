/** Which source serves which stretch of a history query: the widest rollup whose buckets fit, raw at the edges. */
import { describe, expect, it } from 'vitest';
import { historySegments } from './history.js';

const hour = 3_600_000;
const minute = 60_000;
const day = 24 * hour;
const t0 = Date.UTC(2026, 0, 10);

describe('historySegments', () => {
  it('serves a 1-day step at +08:00 from hourly rollups, the partial hours and minutes at the edges from finer sources', () => {
    const from = t0 + 5 * hour + 7 * minute + 30_000;
    const to = t0 + 3 * day + 2 * hour + 30 * minute + 15_000;
    expect(historySegments({ fromMs: from, toMs: to, stepMs: day, alignMs: -8 * hour })).toEqual([
      { source: 'samples', fromMs: from, toMs: t0 + 5 * hour + 8 * minute },
      { source: 'rollup_1m', fromMs: t0 + 5 * hour + 8 * minute, toMs: t0 + 6 * hour },
      { source: 'rollup_1h', fromMs: t0 + 6 * hour, toMs: t0 + 3 * day + 2 * hour },
      { source: 'rollup_1m', fromMs: t0 + 3 * day + 2 * hour, toMs: t0 + 3 * day + 2 * hour + 30 * minute },
      { source: 'samples', fromMs: t0 + 3 * day + 2 * hour + 30 * minute, toMs: to },
    ]);
  });

  it('falls back to minute rollups where hour boundaries are not bucket boundaries (+05:30)', () => {
    expect(historySegments({ fromMs: t0, toMs: t0 + day, stepMs: day, alignMs: -(5 * hour + 30 * minute) })).toEqual([{ source: 'rollup_1m', fromMs: t0, toMs: t0 + day }]);
  });

  it('reads raw samples for steps no rollup divides', () => {
    expect(historySegments({ fromMs: t0, toMs: t0 + day, stepMs: 90_000, alignMs: 0 })).toEqual([{ source: 'samples', fromMs: t0, toMs: t0 + day }]);
    expect(historySegments({ fromMs: t0, toMs: t0 + day, stepMs: 30_000, alignMs: 0 })).toEqual([{ source: 'samples', fromMs: t0, toMs: t0 + day }]);
  });

  it('reads raw samples for a range shorter than any whole rollup bucket', () => {
    expect(historySegments({ fromMs: t0 + 10_000, toMs: t0 + 50_000, stepMs: hour, alignMs: 0 })).toEqual([{ source: 'samples', fromMs: t0 + 10_000, toMs: t0 + 50_000 }]);
  });
});
