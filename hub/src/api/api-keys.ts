/** /api/v1/api-keys — platform admins make API keys for data sharing (the secret shown once), list and revoke them. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { shareableRoutes, type ApiKey, type ApiKeys } from '../access/api-keys.js';
import { asProblem } from './refusal-problem.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { jsonContent } from './json-content.js';
import { ApiProblem, problemResponses } from './problem.js';

const ApiKeySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    routes: z.array(z.string()),
    enterprises: z.array(z.string()).openapi({ description: 'Credit codes of the enterprises the key reads' }),
    ratePerMinute: z.number().int(),
    created: Rfc3339Schema,
    createdMs: UnixMsSchema,
    revokedMs: UnixMsSchema.nullable(),
  })
  .openapi('ApiKey');

const NewApiKeySchema = z
  .strictObject({
    name: z.string().min(1).max(64),
    routes: z.array(z.enum(shareableRoutes)).min(1).max(shareableRoutes.length),
    enterprises: z.array(z.string().max(64)).min(1).max(10_000),
    ratePerMinute: z.number().int().min(1).max(60_000),
  })
  .openapi('NewApiKey');

const IdParams = z.strictObject({ id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' }, example: 1 }) });

const list = createRoute({
  method: 'get',
  path: '/api/v1/api-keys',
  tags: ['users'],
  summary: 'List API keys (never their secrets)',
  responses: {
    200: { description: 'Every key, revoked ones included', content: jsonContent(z.object({ items: z.array(ApiKeySchema) })) },
    ...problemResponses('unauthorized', 'forbidden', 'internal-error', 'unavailable'),
  },
});

const create = createRoute({
  method: 'post',
  path: '/api/v1/api-keys',
  tags: ['users'],
  summary: 'Make an API key for data sharing',
  request: { body: { required: true, content: jsonContent(NewApiKeySchema) } },
  responses: {
    201: { description: 'Made: `secret` is shown only now', content: jsonContent(ApiKeySchema.extend({ secret: z.string() })) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'conflict', 'unsupported-media-type', 'internal-error', 'unavailable'),
  },
});

const revoke = createRoute({
  method: 'delete',
  path: '/api/v1/api-keys/{id}',
  tags: ['users'],
  summary: 'Revoke an API key, at once',
  request: { params: IdParams },
  responses: {
    204: { description: 'Revoked' },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'not-found', 'internal-error', 'unavailable'),
  },
});

function keyOf(key: ApiKey): z.infer<typeof ApiKeySchema> {
  return { ...key, created: rfc3339(key.createdMs) };
}

export function apiKeyRoutes(keys: ApiKeys): OpenAPIHono {
  return new OpenAPIHono()
    .openapi(list, async (c) => c.json({ items: (await keys.list()).map(keyOf) }, 200))
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const { key, secret } = await asProblem(() => keys.create({ ...body, enterprises: body.enterprises.map((code) => code.toUpperCase()) }), 'body');
      return c.json({ ...keyOf(key), secret }, 201);
    })
    .openapi(revoke, async (c) => {
      const { id } = c.req.valid('param');
      if (!(await keys.revoke(id))) throw new ApiProblem('not-found', `there is no live API key ${id}`);
      return c.body(null, 204);
    });
}
