/**
 * Paging of long lists: `limit` caps a page, and `nextCursor` is an opaque token (base64url
 * JSON) naming where the next page starts. A route decodes only cursors of its own kind.
 */
import { z } from '@hono/zod-openapi';
import { queryText, quoted } from './query-text.js';

/** The default is the route's to apply, so that it can tell a limit given from one left out. */
export function limitParam(maxLimit: number) {
  return queryText()
    .transform((text, ctx) => {
      const limit = /^\d{1,6}$/.test(text) ? Number(text) : 0;
      if (limit < 1 || limit > maxLimit) ctx.addIssue({ code: 'custom', message: `must be an integer from 1 to ${maxLimit}, got ${quoted(text)}` });
      return limit;
    })
    .openapi({ description: `Page size, 1 to ${maxLimit}`, type: 'integer', minimum: 1, maximum: maxLimit });
}

function encodeCursor(position: object): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** A `cursor` parameter whose decoded value must match `position`. */
export function cursorParam<T>(position: z.ZodType<T>) {
  return queryText(1024)
    .transform((text, ctx) => {
      const decoded = position.safeParse(decodeJson(text));
      if (!decoded.success) ctx.addIssue({ code: 'custom', message: `is not a cursor this route gave out: pass nextCursor of the previous page unchanged, got ${quoted(text)}` });
      return decoded.data ?? z.NEVER;
    })
    .openapi({ description: 'nextCursor of the previous page', type: 'string' });
}

function decodeJson(text: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export const NextCursorSchema = z
  .string()
  .nullable()
  .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' });

/** The page and its next cursor, from a read of up to limit + 1 rows. */
export function page<Row>(rows: Row[], limit: number, position: (last: Row) => object): { items: Row[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(position(items[items.length - 1]!)) };
}
