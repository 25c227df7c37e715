/**
 * GET /api/v1/series and /api/v1/series/latest — the series the hub knows and the newest
 * value of each. Both take the same filter; at pilot scale they return every match unpaged.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { SeriesFilter, SeriesInfo, Store } from '../store/store.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { problemResponses } from './problem.js';
import { nameFilter } from './query-text.js';

export const QualitySchema = z.enum(['good', 'uncertain', 'bad']).openapi({ description: 'OPC UA quality; bad values are null' });

const SeriesSchema = z
  .object({
    key: z.string().openapi({ description: '<gateway>/<device>/<point>', example: 'gw-shanxi-01/ch4-sensor-3/ch4' }),
    gateway: z.string().openapi({ example: 'gw-shanxi-01' }),
    device: z.string().openapi({ example: 'ch4-sensor-3' }),
    point: z.string().openapi({ example: 'ch4' }),
    metric: z.string().openapi({ description: "A metric of the hub's catalog", example: 'ch4_concentration' }),
    unit: z.string().openapi({ example: '%' }),
    intervalMs: z.number().int().openapi({ description: 'Read interval (0 when the device pushes)' }),
  })
  .openapi('Series');

const LatestValueSchema = SeriesSchema.extend({
  time: Rfc3339Schema.openapi({ description: 'Source time, RFC 3339 UTC' }),
  timeMs: UnixMsSchema,
  value: z.number().nullable(),
  quality: QualitySchema,
  receivedAt: Rfc3339Schema.openapi({ description: 'When the hub received it, RFC 3339 UTC' }),
  receivedAtMs: UnixMsSchema,
}).openapi('LatestValue');

const SeriesFilterQuery = z.strictObject({
  gateway: nameFilter('Only series of this gateway id'),
  metric: nameFilter('Only series of this metric'),
  device: nameFilter('Only series of this device'),
});

function seriesOf(series: SeriesInfo): z.infer<typeof SeriesSchema> {
  return {
    key: series.key,
    gateway: series.gatewayId,
    device: series.device,
    point: series.point,
    metric: series.metric,
    unit: series.unit,
    intervalMs: series.intervalMs,
  };
}

function storeFilter(query: z.infer<typeof SeriesFilterQuery>): SeriesFilter {
  return { gatewayId: query.gateway, metric: query.metric, device: query.device };
}

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/series',
  tags: ['series'],
  summary: 'List series',
  request: { query: SeriesFilterQuery },
  responses: {
    200: { description: 'Matching series, by key', content: { 'application/json': { schema: z.object({ items: z.array(SeriesSchema) }) } } },
    ...problemResponses('invalid-parameters', 'unauthorized', 'internal-error', 'unavailable'),
  },
});

const latestRoute = createRoute({
  method: 'get',
  path: '/api/v1/series/latest',
  tags: ['series'],
  summary: 'Newest value of each series',
  request: { query: SeriesFilterQuery },
  responses: {
    200: { description: 'Newest value per matching series, by key', content: { 'application/json': { schema: z.object({ items: z.array(LatestValueSchema) }) } } },
    ...problemResponses('invalid-parameters', 'unauthorized', 'internal-error', 'unavailable'),
  },
});

export function seriesRoutes(store: Store): OpenAPIHono {
  return new OpenAPIHono()
    .openapi(listRoute, async (c) => {
      const series = await store.series(storeFilter(c.req.valid('query')));
      return c.json({ items: series.map(seriesOf) }, 200);
    })
    .openapi(latestRoute, async (c) => {
      const latest = await store.latest(storeFilter(c.req.valid('query')));
      const items = latest.map((sample) => ({
        ...seriesOf(sample.series),
        time: rfc3339(sample.timeMs),
        timeMs: sample.timeMs,
        value: sample.value,
        quality: sample.quality,
        receivedAt: rfc3339(sample.receivedMs),
        receivedAtMs: sample.receivedMs,
      }));
      return c.json({ items }, 200);
    });
}
