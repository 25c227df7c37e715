/** GET /api/v1/events — gateway and device events (device.offline, outbox.gap, …), newest first, paged. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Store } from '../store/store.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { cursorParam, limitParam, NextCursorSchema, page } from './paging.js';
import { problemResponses } from './problem.js';
import { nameFilter } from './query-text.js';
import { instantParam } from './time-params.js';

const eventPage = { defaultLimit: 100, maxLimit: 1000 };

const EventPosition = z.object({ k: z.literal('events'), id: z.number().int() });

const EventsQuery = z
  .strictObject({
    gateway: nameFilter('Only events of this gateway id'),
    device: nameFilter('Only events of this device'),
    type: nameFilter('Only events of this type, e.g. device.offline'),
    from: instantParam('Event time from, inclusive').optional(),
    to: instantParam('Event time until, exclusive').optional(),
    limit: limitParam(eventPage.maxLimit).optional().openapi({ default: eventPage.defaultLimit }),
    cursor: cursorParam(EventPosition).optional(),
  })
  .superRefine((query, ctx) => {
    // A time that failed to parse has its own issue already (and no number to compare).
    if (typeof query.from === 'number' && typeof query.to === 'number' && query.from >= query.to) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `must be before to (to is exclusive), got from ${rfc3339(query.from)} and to ${rfc3339(query.to)}` });
    }
  });

const EventSchema = z
  .object({
    id: z.number().int().openapi({ description: 'Hub-assigned, increasing in arrival order' }),
    gateway: z.string(),
    device: z.string().nullable().openapi({ description: 'null for gateway-wide events' }),
    type: z.string().openapi({ example: 'device.offline' }),
    time: Rfc3339Schema.openapi({ description: 'When it happened, RFC 3339 UTC' }),
    timeMs: UnixMsSchema,
    receivedAt: Rfc3339Schema.openapi({ description: 'When the hub received it, RFC 3339 UTC' }),
    receivedAtMs: UnixMsSchema,
    body: z.record(z.string(), z.unknown()).openapi({ description: 'Details; their fields depend on the type' }),
  })
  .openapi('Event');

const route = createRoute({
  method: 'get',
  path: '/api/v1/events',
  tags: ['events'],
  summary: 'List events, newest first',
  request: { query: EventsQuery },
  responses: {
    200: {
      description: 'A page of events, most recently received first',
      content: { 'application/json': { schema: z.object({ items: z.array(EventSchema), nextCursor: NextCursorSchema }) } },
    },
    ...problemResponses('invalid-parameters', 'unauthorized', 'internal-error', 'unavailable'),
  },
});

export function eventRoutes(store: Store): OpenAPIHono {
  return new OpenAPIHono().openapi(route, async (c) => {
    const query = c.req.valid('query');
    const limit = query.limit ?? eventPage.defaultLimit;
    const rows = await store.events({
      gatewayId: query.gateway,
      device: query.device,
      type: query.type,
      fromMs: query.from,
      toMs: query.to,
      limit: limit + 1,
      beforeId: query.cursor?.id,
    });
    const { items, nextCursor } = page(rows, limit, (last) => ({ k: 'events', id: last.id }));
    return c.json({
      items: items.map((event) => ({
        id: event.id,
        gateway: event.gatewayId,
        device: event.device,
        type: event.type,
        time: rfc3339(event.timeMs),
        timeMs: event.timeMs,
        receivedAt: rfc3339(event.receivedMs),
        receivedAtMs: event.receivedMs,
        body: event.body,
      })),
      nextCursor,
    }, 200);
  });
}
