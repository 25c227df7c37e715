import { describe, expect, it } from 'vitest';
import { ExceptionFilter, type ReportByException } from './report-by-exception.js';

/** Runs samples (value, quality, time) through one series' filter; returns those sent. */
function sent(setting: ReportByException | undefined, samples: Array<[number, number, number]>): Array<[number, number, number]> {
  const filter = new ExceptionFilter();
  return samples.filter(([value, quality, time]) => filter.passes(1, setting, value, quality, time));
}

describe('report by exception', () => {
  it('sends everything when off', () => {
    expect(sent(undefined, [[1, 1, 0], [1, 1, 1], [1, 1, 2]])).toEqual([[1, 1, 0], [1, 1, 1], [1, 1, 2]]);
  });

  it('absolute deadband: sends when the value moved by more than it since the last value sent', () => {
    expect(sent({ deadband: 0.5 }, [[10, 1, 0], [10.4, 1, 1], [10.5, 1, 2], [10.51, 1, 3], [10.9, 1, 4], [10.0, 1, 5]])).toEqual([
      [10, 1, 0],
      [10.51, 1, 3],
      [10.0, 1, 5],
    ]);
  });

  it('percent deadband: measured against the last value sent', () => {
    expect(sent({ deadbandPercent: 10 }, [[200, 1, 0], [219, 1, 1], [221, 1, 2], [199.8, 1, 3], [198, 1, 4]])).toEqual([
      [200, 1, 0],
      [221, 1, 2],
      [198, 1, 4],
    ]);
  });

  it('maximum silence: sends an unchanged value once that long has passed', () => {
    expect(sent({ deadband: 1, maxSilence: 60_000 }, [[5, 1, 0], [5, 1, 30_000], [5, 1, 59_999], [5, 1, 60_000], [5, 1, 90_000], [5, 1, 120_000]])).toEqual([
      [5, 1, 0],
      [5, 1, 60_000],
      [5, 1, 120_000],
    ]);
  });

  it('only maximum silence: any change is sent, an unchanged value once per silence', () => {
    expect(sent({ maxSilence: 10 }, [[1, 1, 0], [1, 1, 5], [2, 1, 6], [2, 1, 15], [2, 1, 16]])).toEqual([[1, 1, 0], [2, 1, 6], [2, 1, 16]]);
  });

  it('a change of quality is always sent, and a bad value never hides the next good one', () => {
    expect(sent({ deadband: 100 }, [[1, 1, 0], [Number.NaN, 3, 1], [Number.NaN, 3, 2], [1, 1, 3], [1, 2, 4]])).toEqual([
      [1, 1, 0],
      [Number.NaN, 3, 1],
      [1, 1, 3],
      [1, 2, 4],
    ]);
  });

  it('keeps series apart', () => {
    const filter = new ExceptionFilter();
    const setting = { deadband: 1 };
    expect([filter.passes(1, setting, 5, 1, 0), filter.passes(2, setting, 5, 1, 0), filter.passes(1, setting, 5.5, 1, 1), filter.passes(2, setting, 7, 1, 1)]).toEqual([true, true, false, true]);
  });
});
