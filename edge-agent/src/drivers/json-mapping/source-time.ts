/**
 * A device's own timestamp in a payload: ISO 8601 text with a UTC offset, or a Unix time as
 * a number — seconds below 10^11 (any date before the year 5138), milliseconds above (any date
 * after March 1973), so both read right without a setting. A time that reads right but cannot
 * be true (a microsecond count read as milliseconds lands in the year 57,000; a clock that lost
 * its battery says 1970) is refused by `implausibleSourceTime`, so the reading keeps the
 * agent's receive time instead of a date the hub would file decades away.
 */
import { describeJson } from './describe-json.js';

const unixSecondsBelow = 1e11;
const isoWithOffset = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

/** The earliest source time taken: no device reporting today has a clock this far back. */
export const earliestSourceTimeMs = Date.UTC(2000, 0, 1);
/** How far ahead of the agent's clock a source time may be (clocks drift; time zones get mislabelled). */
export const sourceTimeLeadMs = 24 * 3_600_000;

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

/** Why a parsed source time cannot be true, seen from the agent's clock at `receivedMs`; undefined when it can. */
export function implausibleSourceTime(value: unknown, timeMs: number, receivedMs: number): string | undefined {
  const shown = typeof value === 'number' ? `${value} (read as ${isoOrYear(timeMs)})` : describeJson(value);
  if (timeMs > receivedMs + sourceTimeLeadMs) {
    const hint = typeof value === 'number' && timeMs > receivedMs * 100 ? ': a time in microseconds or nanoseconds?' : '';
    return `${shown} is more than a day ahead of the agent's clock${hint}`;
  }
  if (timeMs < earliestSourceTimeMs) return `${shown} is before 2000: is the device's clock set?`;
  return undefined;
}

function isoOrYear(timeMs: number): string {
  // Date covers ±8.64e15 ms (years up to 275,760); a nanosecond count is beyond it.
  return Math.abs(timeMs) <= 8.64e15 ? new Date(timeMs).toISOString() : 'beyond any calendar date';
}
