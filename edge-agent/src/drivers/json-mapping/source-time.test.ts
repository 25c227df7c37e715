import { describe, expect, it } from 'vitest';
import { implausibleSourceTime, parseSourceTime } from './source-time.js';

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

describe('source times that cannot be true', () => {
  const nowMs = Date.UTC(2026, 10, 26, 8);
  it.each<[unknown, string | undefined]>([
    [1764144000123, undefined],
    // A day ahead is clock drift or a mislabelled zone; more is not.
    [nowMs + 23 * 3_600_000, undefined],
    [1764144000123456, '1764144000123456 (read as +057873-07-01T08:02:03.456Z) is more than a day ahead of the agent\'s clock: a time in microseconds or nanoseconds?'],
    [1764144000123456789, '1764144000123456800 (read as beyond any calendar date) is more than a day ahead of the agent\'s clock: a time in microseconds or nanoseconds?'],
    ['2026-11-28T08:00:01Z', 'text "2026-11-28T08:00:01Z" is more than a day ahead of the agent\'s clock'],
    [86_400, '86400 (read as 1970-01-02T00:00:00.000Z) is before 2000: is the device\'s clock set?'],
  ])('%j', (value, error) => {
    const parsed = parseSourceTime(value) as { timeMs: number };
    expect(implausibleSourceTime(value, parsed.timeMs, nowMs)).toBe(error);
  });
});
