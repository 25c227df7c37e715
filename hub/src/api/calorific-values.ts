/**
 * /api/v1/enterprises/{code}/calorific-values — an enterprise's measured net calorific values
 * of its fuels, each in force from its time (reports/calorific-values.ts): list, add, delete.
 * Reports use them before the reference coefficients; a platform admin records them, from the
 * enterprise's lab report, which the note names. Within the caller's scope.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { currentActor } from '../access/principal.js';
import type { RegistryView } from '../access/scoped-registry.js';
import { ncvRangeKj, type CalorificValue, type CalorificValues } from '../reports/calorific-values.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { jsonContent } from './json-content.js';
import { ApiProblem, problemResponses } from './problem.js';
import { asProblem } from './refusal-problem.js';
import { instantParam } from './time-params.js';

const CalorificValueSchema = z
  .object({
    id: z.number().int(),
    enterpriseCode: z.string(),
    energy: z.string().openapi({ example: 'raw_coal' }),
    validFrom: Rfc3339Schema,
    validFromMs: UnixMsSchema,
    ncvKjPerUnit: z.number().openapi({ description: 'Net calorific value, kJ per unit', example: 23445.6 }),
    unit: z.string().openapi({ description: 'The unit of the standard-coal table for the energy', example: 'kg' }),
    note: z.string().openapi({ description: 'Where the value comes from' }),
    setBy: z.string(),
    setMs: UnixMsSchema,
  })
  .openapi('CalorificValue');

const NewCalorificValueSchema = z
  .strictObject({
    energy: z.string().min(1).max(40).openapi({ description: 'A fuel of the standard-coal table (raw_coal, natural_gas, diesel, …)', example: 'raw_coal' }),
    validFrom: instantParam('When the value takes effect'),
    ncvKjPerUnit: z.number().openapi({ description: `Net calorific value in kJ per kg (per m³ for gas), ${ncvRangeKj[0]}–${ncvRangeKj[1]}`, example: 23445.6 }),
    note: z.string().trim().min(1).max(500).openapi({ description: 'Where the value comes from: the lab report or certificate', example: 'Lab report 2023-10-07, sample 17' }),
  })
  .openapi('NewCalorificValue');

const CodeParams = z.strictObject({ code: z.string().min(1).max(64).openapi({ param: { name: 'code', in: 'path' }, example: '91350100M000100Y43' }) });
const ValueParams = CodeParams.extend({ id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' }, example: 1 }) });

const list = createRoute({
  method: 'get',
  path: '/api/v1/enterprises/{code}/calorific-values',
  tags: ['reports'],
  summary: "An enterprise's measured calorific values",
  request: { params: CodeParams },
  responses: {
    200: { description: 'By fuel and time', content: jsonContent(z.object({ items: z.array(CalorificValueSchema) })) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'not-found', 'internal-error', 'unavailable'),
  },
});

const create = createRoute({
  method: 'post',
  path: '/api/v1/enterprises/{code}/calorific-values',
  tags: ['reports'],
  summary: 'Record a measured calorific value of a fuel',
  request: { params: CodeParams, body: { required: true, content: jsonContent(NewCalorificValueSchema) } },
  responses: {
    201: { description: 'Recorded', content: jsonContent(CalorificValueSchema) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'not-found', 'conflict', 'unsupported-media-type', 'internal-error', 'unavailable'),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/api/v1/enterprises/{code}/calorific-values/{id}',
  tags: ['reports'],
  summary: 'Delete a measured calorific value',
  request: { params: ValueParams },
  responses: {
    204: { description: 'Deleted' },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'not-found', 'internal-error', 'unavailable'),
  },
});

function valueOf(value: CalorificValue): z.infer<typeof CalorificValueSchema> {
  return { ...value, validFrom: rfc3339(value.validFromMs) };
}

export function calorificValueRoutes(registry: RegistryView, values: CalorificValues): OpenAPIHono {
  /** The enterprise's code, if the caller's scope holds it. */
  const visible = async (code: string) => {
    const enterprise = await registry.enterprise(code.toUpperCase());
    if (!enterprise) throw new ApiProblem('not-found', `there is no enterprise ${code}`);
    return enterprise.code;
  };
  return new OpenAPIHono()
    .openapi(list, async (c) => c.json({ items: (await values.of([await visible(c.req.valid('param').code)])).map(valueOf) }, 200))
    .openapi(create, async (c) => {
      const enterpriseCode = await visible(c.req.valid('param').code);
      const body = c.req.valid('json');
      const value = await asProblem(() => values.add({ enterpriseCode, energy: body.energy, validFromMs: body.validFrom, ncvKjPerUnit: body.ncvKjPerUnit, note: body.note }, currentActor()), 'body');
      return c.json(valueOf(value), 201);
    })
    .openapi(remove, async (c) => {
      const { code, id } = c.req.valid('param');
      if (!(await values.remove(await visible(code), id))) throw new ApiProblem('not-found', `enterprise ${code.toUpperCase()} has no calorific value ${id}`);
      return c.body(null, 204);
    });
}
