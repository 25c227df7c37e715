/** PUT /api/v1/point-locations — where a sensor is (working face, return, …); the alarm rule tables go by it. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AlarmEngine } from '../alarms/alarm-engine.js';
import type { PointLocations } from '../alarms/point-locations.js';
import { sensorLocations } from '../alarms/rule-tables.js';
import type { Store } from '../store/store.js';
import { jsonContent } from './json-content.js';
import { ApiProblem, problemResponses } from './problem.js';

const PointLocationSchema = z
  .strictObject({
    key: z.string().min(1).max(600).openapi({ description: 'The series key, <gateway>/<device>/<point>', example: 'gw-shanxi-01/ch4-sensor-3/ch4' }),
    location: z.enum(sensorLocations),
  })
  .openapi('PointLocation');

const route = createRoute({
  method: 'put',
  path: '/api/v1/point-locations',
  tags: ['alarms'],
  summary: "Set a sensor's location",
  request: { body: { required: true, content: jsonContent(PointLocationSchema) } },
  responses: {
    200: { description: 'Set', content: jsonContent(PointLocationSchema) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'not-found', 'unsupported-media-type', 'internal-error', 'unavailable'),
  },
});

export function pointLocationRoutes(store: Store, locations: PointLocations, engine: Pick<AlarmEngine, 'forget'>): OpenAPIHono {
  return new OpenAPIHono().openapi(route, async (c) => {
    const body = c.req.valid('json');
    if (!(await store.seriesByKey(body.key))) throw new ApiProblem('not-found', `no series has the key ${JSON.stringify(body.key)}`);
    await locations.set(body.key, body.location);
    engine.forget();
    return c.json(body, 200);
  });
}
