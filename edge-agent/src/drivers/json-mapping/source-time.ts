/**
 * A device's own timestamp in a payload: ISO 8601 text with a UTC offset, or a Unix time as
 * a number — seconds below 10^11 (any date before the year 5138), milliseconds above (any date
 * after March 1973), so both read right without a setting.
 */
import { describeJson } from './describe-json.js';

const unixSecondsBelow = 1e11;
const isoWithOffset = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

export function parseSourceTime(value: unknown): { timeMs: number } | { error: string } {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return { error: `${value} is not a Unix time` };
    return { timeMs: Math.round(value < unixSecondsBelow ? value * 1000 : value) };
  }
  if (typeof value === 'string') {
    if (!isoWithOffset.test(value)) {
      return { error: /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `"${value}" has no UTC offset (add Z or +08:00)` : `"${value}" is not an ISO 8601 time` };
    }
    const timeMs = Date.parse(value.replace(' ', 'T'));
    return Number.isNaN(timeMs) ? { error: `"${value}" is not a valid time` } : { timeMs };
  }
  return { error: `expected an ISO 8601 text or a Unix time, got ${describeJson(value)}` };
}

