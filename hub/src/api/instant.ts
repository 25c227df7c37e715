/**
 * Instants in responses: every one is given twice, as an RFC 3339 UTC string (`time`) and as
 * Unix milliseconds (`timeMs`), so people can read it and programs need not parse it.
 */
import { z } from '@hono/zod-openapi';

export const Rfc3339Schema = z.string().openapi({ format: 'date-time', description: 'RFC 3339, UTC', example: '2026-03-01T08:00:00.000Z' });

export const UnixMsSchema = z.number().int().openapi({ description: 'Unix milliseconds', example: 1772352000000 });

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}
