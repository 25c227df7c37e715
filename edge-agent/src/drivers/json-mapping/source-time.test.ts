import { describe, expect, it } from 'vitest';
import { parseSourceTime } from './source-time.js';

describe('source times', () => {
  it.each<[unknown, number]>([
    ['2026-11-26T08:00:00Z', Date.UTC(2026, 10, 26, 8)],
    ['2026-11-26T08:00:00.250+08:00', Date.UTC(2026, 10, 26, 0, 0, 0, 250)],
    ['2026-11-26 08:00+0800', Date.UTC(2026, 10, 26, 0)],
    [1764144000, 1764144000000],
    [1764144000.5, 1764144000500],
    [1764144000123, 1764144000123],
  ])('reads %j', (value, timeMs) => {
    expect(parseSourceTime(value)).toEqual({ timeMs });
  });

  it.each<[unknown, string]>([
    ['2026-11-26T08:00:00', '"2026-11-26T08:00:00" has no UTC offset (add Z or +08:00)'],
    ['yesterday', '"yesterday" is not an ISO 8601 time'],
    ['2026-13-45T99:00:00Z', '"2026-13-45T99:00:00Z" is not a valid time'],
    [-5, '-5 is not a Unix time'],
    [null, 'expected an ISO 8601 text or a Unix time, got null'],
    [{ s: 1 }, 'expected an ISO 8601 text or a Unix time, got an object'],
  ])('refuses %j', (value, error) => {
    expect(parseSourceTime(value)).toEqual({ error });
  });
});
