/** GET /api/v1/audit — the audit log, newest first (platform and audit admins). Reading it is itself recorded. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AuditLog, AuditRecord } from '../audit/audit-log.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { jsonContent } from './json-content.js';
import { problemResponses } from './problem.js';

const AuditRecordSchema = z
  .object({
    id: z.number().int(),
    time: Rfc3339Schema,
    timeMs: UnixMsSchema,
    actor: z.string().openapi({ description: 'The user; hub-token for the hub API token; for a login, the name tried' }),
    role: z.string(),
    source: z.string().openapi({ description: 'The client address' }),
    action: z.string().openapi({ example: 'POST /api/v1/enterprises' }),
    target: z.string(),
    result: z.string().openapi({ description: 'ok, or the status and why it was refused' }),
    prevHash: z.string().openapi({ description: 'SM3 hash of the record before' }),
    hash: z.string().openapi({ description: 'SM3 over this record and prevHash' }),
  })
  .openapi('AuditRecord');

const AuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ default: 100 }),
  before: z.coerce.number().int().positive().optional().openapi({ description: 'Only records with a smaller id (the next page)' }),
});

const route = createRoute({
  method: 'get',
  path: '/api/v1/audit',
  tags: ['audit'],
  summary: 'Read the audit log, newest first',
  request: { query: AuditQuery },
  responses: {
    200: { description: 'Audit records', content: jsonContent(z.object({ items: z.array(AuditRecordSchema) })) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'internal-error', 'unavailable'),
  },
});

function recordOf(record: AuditRecord): z.infer<typeof AuditRecordSchema> {
  return { ...record, time: rfc3339(record.timeMs) };
}

export function auditRoutes(audit: AuditLog): OpenAPIHono {
  return new OpenAPIHono().openapi(route, async (c) => {
    const query = c.req.valid('query');
    return c.json({ items: (await audit.list({ limit: query.limit ?? 100, beforeId: query.before })).map(recordOf) }, 200);
  });
}
