/** Schema pieces for durations and sizes written the way people write them ("10s", "2GiB"). */
import { z } from 'zod';
import { parseDurationMs, parseSizeBytes } from '../units.js';

export function durationMs() {
  return z.union([z.string(), z.number()]).transform((value, context) => {
    const ms = parseDurationMs(value);
    if (ms === undefined) {
      context.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration`, params: { fix: 'write it like 500ms, 10s, 5m or 1h' } });
      return z.NEVER;
    }
    return ms;
  });
}

export function sizeBytes() {
  return z.union([z.string(), z.number()]).transform((value, context) => {
    const bytes = parseSizeBytes(value);
    if (bytes === undefined) {
      context.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a size`, params: { fix: 'write it like 64MiB, 2GiB or a number of bytes' } });
      return z.NEVER;
    }
    return bytes;
  });
}
