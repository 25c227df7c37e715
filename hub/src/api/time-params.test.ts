import { describe, expect, it } from 'vitest';
import { formatUtcOffset, parseInstant, parseUtcOffset } from './time-params.js';

describe('parseInstant', () => {
  it.each([
    ['0', 0],
    ['1772323200000', Date.UTC(2026, 2, 1)],
    ['2026-03-01T00:00:00Z', Date.UTC(2026, 2, 1)],
    ['2026-03-01t00:00:00z', Date.UTC(2026, 2, 1)],
    ['2026-03-01T08:00:00+08:00', Date.UTC(2026, 2, 1)],
    ['2026-03-01T08:00:00 08:00', Date.UTC(2026, 2, 1)], // '+' decoded to a space
    ['2026-02-28T19:00:00-05:00', Date.UTC(2026, 2, 1)],
    ['2026-03-01T00:00:00.5Z', Date.UTC(2026, 2, 1) + 500],
    ['2026-03-01T00:00:00.123456789Z', Date.UTC(2026, 2, 1) + 123],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('%s → %d', (text, ms) => {
    expect(parseInstant(text)).toBe(ms);
  });

  it.each([
    'yesterday', '', '-1', '1.5', '2026-03-01', '2026-03-01T00:00:00', '2026-03-01 00:00:00Z', '2026-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z', '2026-03-01T24:00:00Z', '2026-03-01T00:60:00Z', '2026-03-01T00:00:60Z',
    '2026-03-01T00:00:00+24:00', '1969-12-31T23:59:59Z', '99999999999999999', '1970-01-01T00:00:00+00:01',
  ])('rejects %j', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
});

describe('UTC offsets', () => {
  it.each([
    ['Z', 0],
    ['+08:00', 8 * 3_600_000],
    [' 08:00', 8 * 3_600_000],
    ['-05:00', -5 * 3_600_000],
    ['+05:30', 5.5 * 3_600_000],
  ])('%j → %d ms', (text, ms) => {
    expect(parseUtcOffset(text)).toBe(ms);
    expect(formatUtcOffset(ms)).toBe(text === 'Z' ? '+00:00' : text.replace(' ', '+'));
  });

  it.each(['UTC', '+8', '+0800', '+08:60', 'Asia/Shanghai', ''])('rejects %j', (text) => {
    expect(parseUtcOffset(text)).toBeUndefined();
  });
});
