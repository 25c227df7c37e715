/** The base of every query parameter: one non-empty text value, with errors people can act on. */
import { z } from '@hono/zod-openapi';

/** A repeated parameter arrives as an array, a missing one as undefined. */
export function queryText(maxLength = 256) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be given once') })
    .min(1, 'must not be empty')
    .max(maxLength, `must be at most ${maxLength} characters`);
}

/** The caller's input, quoted and cut short, for error details. */
export function quoted(text: string): string {
  return `'${text.length > 64 ? `${text.slice(0, 64)}…` : text}'`;
}

/** An optional filter by name (gateway id, device, metric, …). */
export function nameFilter(description: string) {
  return queryText(200).optional().openapi({ description });
}
