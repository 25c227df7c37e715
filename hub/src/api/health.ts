/** GET /api/v1/health — the one route without authentication, for probes and load balancers. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { problemResponses } from './problem.js';

export const healthPath = '/api/v1/health';

const HealthSchema = z
  .object({
    status: z.literal('ok'),
    uptimeMs: z.number().int().openapi({ description: 'Milliseconds since the API started' }),
  })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: healthPath,
  tags: ['health'],
  summary: 'Liveness of the hub (no authentication)',
  security: [],
  responses: {
    200: { description: 'The hub answers', content: { 'application/json': { schema: HealthSchema } } },
    ...problemResponses('internal-error'),
  },
});

export function healthRoutes(now: () => number): OpenAPIHono {
  const startedMs = now();
  return new OpenAPIHono().openapi(route, (c) => c.json({ status: 'ok' as const, uptimeMs: now() - startedMs }, 200));
}
