/** GET /api/v1/metrics — the metric catalog points map to, with its version (hub/data/metric-catalog.yaml). */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { energyTypes, metricKinds, type MetricCatalog } from '../registry/metric-catalog.js';
import { problemResponses } from './problem.js';

const MetricSchema = z
  .object({
    name: z.string().openapi({ example: 'ch4_concentration' }),
    unit: z.string().openapi({ example: '%' }),
    kind: z.enum(metricKinds),
    energy: z.enum(energyTypes).openapi({ description: 'The energy it counts in energy reports; none when it is no energy consumed' }),
    reading: z.enum(['counter', 'instant']).openapi({ description: "counter: a meter's running total (reports sum its increments); instant: a level" }),
    meaning: z.string(),
  })
  .openapi('Metric');

const route = createRoute({
  method: 'get',
  path: '/api/v1/metrics',
  tags: ['registry'],
  summary: 'The metric catalog',
  responses: {
    200: { description: 'Every metric, with the catalog version', content: { 'application/json': { schema: z.object({ version: z.string(), items: z.array(MetricSchema) }) } } },
    ...problemResponses('unauthorized', 'internal-error'),
  },
});

export function metricRoutes(catalog: MetricCatalog): OpenAPIHono {
  return new OpenAPIHono().openapi(route, (c) => c.json({ version: catalog.version, items: catalog.metrics }, 200));
}
