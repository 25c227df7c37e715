/** GET /api/v1/gateways — every gateway that ever sent a batch, and whether it is online. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { GatewayInfo, Store } from '../store/store.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { problemResponses } from './problem.js';

const GatewaySchema = z
  .object({
    id: z.string().openapi({ example: 'gw-shanxi-01' }),
    enterpriseCode: z.string().nullable().openapi({ description: 'Unified social credit code (GB 32100)', example: '91140100MA0KXXXX0Q' }),
    site: z.string().nullable(),
    online: z.boolean().openapi({ description: 'A batch arrived within the online window (default 30 s)' }),
    firstSeen: Rfc3339Schema,
    firstSeenMs: UnixMsSchema,
    lastSeen: Rfc3339Schema,
    lastSeenMs: UnixMsSchema,
    watermark: z.number().int().openapi({ description: 'Highest record sequence number stored for the gateway' }),
    clockSkewMs: z.number().int().nullable().openapi({ description: "The gateway's clock minus the hub's at the last batch" }),
  })
  .openapi('Gateway');

const route = createRoute({
  method: 'get',
  path: '/api/v1/gateways',
  tags: ['gateways'],
  summary: 'List gateways',
  responses: {
    200: { description: 'All gateways, by id', content: { 'application/json': { schema: z.object({ items: z.array(GatewaySchema) }) } } },
    ...problemResponses('unauthorized', 'internal-error', 'unavailable'),
  },
});

export function gatewayRoutes(store: Store, presence: { now: () => number; onlineWindowMs: number }): OpenAPIHono {
  const toGateway = (gateway: GatewayInfo, nowMs: number): z.infer<typeof GatewaySchema> => ({
    id: gateway.id,
    enterpriseCode: gateway.enterpriseCode,
    site: gateway.site,
    online: nowMs - gateway.lastSeenMs <= presence.onlineWindowMs,
    firstSeen: rfc3339(gateway.firstSeenMs),
    firstSeenMs: gateway.firstSeenMs,
    lastSeen: rfc3339(gateway.lastSeenMs),
    lastSeenMs: gateway.lastSeenMs,
    watermark: gateway.watermark,
    clockSkewMs: gateway.clockSkewMs,
  });
  return new OpenAPIHono().openapi(route, async (c) => {
    const nowMs = presence.now();
    const gateways = await store.gateways();
    return c.json({ items: gateways.map((gateway) => toGateway(gateway, nowMs)) }, 200);
  });
}
