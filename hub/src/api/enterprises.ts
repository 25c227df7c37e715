/**
 * /api/v1/enterprises — enterprises, keyed by their unified social credit code (GB 32100):
 * list, register, read one. A code whose check character is wrong is refused, saying so.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { RegistryView } from '../access/scoped-registry.js';
import type { Enterprise } from '../registry/registry.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { jsonContent } from './json-content.js';
import { ApiProblem, problemResponses } from './problem.js';
import { asProblem } from './refusal-problem.js';

const CreditCodeSchema = z.string().openapi({ description: 'Unified social credit code (GB 32100-2015), 18 characters', example: '91350100M000100Y43' });

const EnterpriseSchema = z
  .object({
    code: CreditCodeSchema,
    name: z.string().openapi({ example: 'Shanxi Example Coal Mining Co., Ltd.' }),
    created: Rfc3339Schema,
    createdMs: UnixMsSchema,
  })
  .openapi('Enterprise');

const NewEnterpriseSchema = z
  .strictObject({
    code: CreditCodeSchema.min(1).max(64),
    name: z.string().min(1).max(200).openapi({ description: 'The registered name' }),
  })
  .openapi('NewEnterprise');

const CodeParams = z.strictObject({ code: CreditCodeSchema.max(64).openapi({ param: { name: 'code', in: 'path' } }) });

const list = createRoute({
  method: 'get',
  path: '/api/v1/enterprises',
  tags: ['registry'],
  summary: 'List enterprises',
  responses: {
    200: { description: 'Every enterprise, by code', content: jsonContent(z.object({ items: z.array(EnterpriseSchema) })) },
    ...problemResponses('unauthorized', 'internal-error', 'unavailable'),
  },
});

const create = createRoute({
  method: 'post',
  path: '/api/v1/enterprises',
  tags: ['registry'],
  summary: 'Register an enterprise',
  request: { body: { required: true, content: jsonContent(NewEnterpriseSchema) } },
  responses: {
    201: { description: 'Registered', content: jsonContent(EnterpriseSchema) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'conflict', 'unsupported-media-type', 'internal-error', 'unavailable'),
  },
});

const read = createRoute({
  method: 'get',
  path: '/api/v1/enterprises/{code}',
  tags: ['registry'],
  summary: 'Read an enterprise',
  request: { params: CodeParams },
  responses: {
    200: { description: 'The enterprise', content: jsonContent(EnterpriseSchema) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'not-found', 'internal-error', 'unavailable'),
  },
});

function enterpriseOf(enterprise: Enterprise): z.infer<typeof EnterpriseSchema> {
  return { code: enterprise.code, name: enterprise.name, created: rfc3339(enterprise.createdMs), createdMs: enterprise.createdMs };
}

export function enterpriseRoutes(registry: RegistryView): OpenAPIHono {
  return new OpenAPIHono()
    .openapi(list, async (c) => c.json({ items: (await registry.enterprises()).map(enterpriseOf) }, 200))
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      // Codes are capitals; one typed in lower case is the same code.
      const enterprise = await asProblem(() => registry.createEnterprise({ code: body.code.toUpperCase(), name: body.name }), 'body');
      return c.json(enterpriseOf(enterprise), 201);
    })
    .openapi(read, async (c) => {
      const { code } = c.req.valid('param');
      const enterprise = await registry.enterprise(code.toUpperCase());
      if (!enterprise) throw new ApiProblem('not-found', `there is no enterprise ${code}`);
      return c.json(enterpriseOf(enterprise), 200);
    });
}
