/**
 * Time in query parameters: instants (RFC 3339 or Unix milliseconds), steps ("1m", or
 * milliseconds) and UTC offsets ("+08:00"). In a query string an unencoded '+' arrives as a
 * space, so a space stands for '+' where an offset sign is expected.
 */
import { z } from '@hono/zod-openapi';
import { parseDurationMs } from '@davy/runtime';
import { queryText, quoted } from './query-text.js';

const maxInstantMs = 8.64e15; // the largest a JavaScript Date holds
const rfc3339Pattern = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+\- ])(\d{2}):(\d{2}))$/;
const offsetPattern = /^([+\- ])(\d{2}):(\d{2})$/;

function offsetMs(sign: string, hours: string, minutes: string): number | undefined {
  const h = Number(hours);
  const m = Number(minutes);
  if (h > 23 || m > 59) return undefined;
  return (sign === '-' ? -1 : 1) * (h * 60 + m) * 60_000;
}

/** Unix ms of an RFC 3339 time or a count of milliseconds; undefined when malformed or before 1970. */
export function parseInstant(text: string): number | undefined {
  if (/^\d{1,16}$/.test(text)) {
    const ms = Number(text);
    return ms <= maxInstantMs ? ms : undefined;
  }
  const match = rfc3339Pattern.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const local = Date.UTC(y, mo - 1, d, h, mi, s, Number((fraction ?? '0').padEnd(3, '0').slice(0, 3)));
  const date = new Date(local);
  // Date.UTC rolls 31 February over into March; a real date survives the round trip.
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  const offset = sign === undefined ? 0 : offsetMs(sign, offsetHours!, offsetMinutes!);
  if (offset === undefined) return undefined;
  const ms = local - offset;
  return ms >= 0 && ms <= maxInstantMs ? ms : undefined;
}

/** Milliseconds east of UTC for "Z" or "±HH:MM"; undefined when malformed. */
export function parseUtcOffset(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const match = offsetPattern.exec(text);
  return match ? offsetMs(match[1]!, match[2]!, match[3]!) : undefined;
}

/** "+08:00" for 8 h east of UTC. */
export function formatUtcOffset(ms: number): string {
  const minutes = Math.abs(ms) / 60_000;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${ms < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

export function instantParam(description: string) {
  return queryText()
    .transform((text, ctx) => {
      const ms = parseInstant(text);
      if (ms === undefined) ctx.addIssue({ code: 'custom', message: `expected RFC 3339 time or Unix milliseconds (1970 or later), got ${quoted(text)}` });
      return ms ?? z.NEVER;
    })
    .openapi({ description: `${description}: RFC 3339 (e.g. 2026-03-01T00:00:00+08:00) or Unix milliseconds`, example: '2026-03-01T00:00:00Z' });
}

export const stepParam = queryText()
  .transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `expected a duration such as 10s, 1m, 15m, 1h, 1d or a number of milliseconds, got ${quoted(text)}` });
    else if (ms < 1) ctx.addIssue({ code: 'custom', message: `must be at least 1 ms, got ${quoted(text)}` });
    return ms ?? z.NEVER;
  })
  .openapi({ description: 'Bucket width: 10s, 1m, 15m, 1h, 1d, or milliseconds. Without it, raw points are returned', example: '15m' });

export const utcOffsetParam = queryText()
  .transform((text, ctx) => {
    const ms = parseUtcOffset(text);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `expected a UTC offset such as +08:00, -05:00 or Z, got ${quoted(text)}` });
    return ms ?? z.NEVER;
  })
  .openapi({ description: 'UTC offset that buckets align to (a 1d step starts at local midnight); default UTC', example: '+08:00' });
