/** Partition ranges and names: UTC days and months, for any time a clock may send. */
import { describe, expect, it } from 'vitest';
import { dayMs, partitionOf } from './partitions.js';

describe('partitionOf', () => {
  it('names day and month partitions by their UTC date, with exact bounds', () => {
    const leapDay = Date.UTC(2024, 1, 29, 23, 59, 59, 999);
    expect(partitionOf('samples', leapDay)).toEqual({ table: 'samples', name: 'samples_20240229', fromMs: Date.UTC(2024, 1, 29), toMs: Date.UTC(2024, 2, 1) });
    expect(partitionOf('rollup_1m', Date.UTC(2024, 2, 1))).toMatchObject({ name: 'rollup_1m_20240301', fromMs: Date.UTC(2024, 2, 1) });
    expect(partitionOf('rollup_1h', leapDay)).toEqual({ table: 'rollup_1h', name: 'rollup_1h_202402', fromMs: Date.UTC(2024, 1, 1), toMs: Date.UTC(2024, 2, 1) });
    expect(partitionOf('rollup_1h', Date.UTC(2026, 11, 31, 12))).toMatchObject({ name: 'rollup_1h_202612', toMs: Date.UTC(2027, 0, 1) });
  });

  it('agrees with the calendar on every day from 1900 to 2100, and before 1970', () => {
    for (let day = Date.UTC(1900, 0, 1) / dayMs; day < Date.UTC(2100, 0, 1) / dayMs; day += 1) {
      const date = new Date(day * dayMs);
      const expected = `samples_${date.toISOString().slice(0, 10).replaceAll('-', '')}`;
      const range = partitionOf('samples', day * dayMs + 1);
      if (range.name !== expected) expect(range.name).toBe(expected);
      const month = partitionOf('rollup_1h', day * dayMs);
      if (month.fromMs !== Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)) expect(month.fromMs).toBe(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
    }
    expect(partitionOf('samples', -1).name).toBe('samples_19691231');
  });

  it('still names a partition for a clock far outside any calendar a Date can hold', () => {
    const far = 9e18;
    const range = partitionOf('samples', far);
    expect(range.name).toMatch(/^samples_\d{9}\d{4}$/);
    expect(range.fromMs).toBeLessThanOrEqual(far);
    expect(range.toMs).toBeGreaterThan(far);
    expect(partitionOf('rollup_1h', -far).name).toMatch(/^rollup_1h_n\d+$/);
  });
});
