/** /api/v1/users — a platform admin lists users and makes new ones (each must change its password at the first login). */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { roles } from '../access/principal.js';
import type { User, UserDirectory } from '../access/users.js';
import { asProblem } from './refusal-problem.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { jsonContent } from './json-content.js';
import { problemResponses } from './problem.js';

const UserSchema = z
  .object({
    name: z.string(),
    role: z.enum(roles),
    regions: z.array(z.string()).openapi({ description: 'A regulator: the division codes (GB/T 2260) it oversees, each with every division under it' }),
    enterpriseCode: z.string().nullable().openapi({ description: 'An enterprise user: its enterprise' }),
    mustChangePassword: z.boolean(),
    lockedUntilMs: UnixMsSchema.nullable(),
    created: Rfc3339Schema,
    createdMs: UnixMsSchema,
  })
  .openapi('User');

const NewUserSchema = z
  .strictObject({
    name: z.string().min(1).max(64),
    role: z.enum(roles),
    regions: z.array(z.string().max(16)).max(100).optional(),
    enterpriseCode: z.string().max(64).optional(),
    password: z.string().min(1).max(256).openapi({ description: 'A first password, to be changed at the first login' }),
  })
  .openapi('NewUser');

const list = createRoute({
  method: 'get',
  path: '/api/v1/users',
  tags: ['users'],
  summary: 'List users',
  responses: {
    200: { description: 'Every user, by name', content: jsonContent(z.object({ items: z.array(UserSchema) })) },
    ...problemResponses('unauthorized', 'forbidden', 'internal-error', 'unavailable'),
  },
});

const create = createRoute({
  method: 'post',
  path: '/api/v1/users',
  tags: ['users'],
  summary: 'Make a user',
  request: { body: { required: true, content: jsonContent(NewUserSchema) } },
  responses: {
    201: { description: 'Made', content: jsonContent(UserSchema) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'conflict', 'unsupported-media-type', 'internal-error', 'unavailable'),
  },
});

function userOf(user: User): z.infer<typeof UserSchema> {
  const { id: _id, ...shown } = user;
  return { ...shown, created: rfc3339(user.createdMs) };
}

export function userRoutes(users: UserDirectory): OpenAPIHono {
  return new OpenAPIHono()
    .openapi(list, async (c) => c.json({ items: (await users.users()).map(userOf) }, 200))
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const user = await asProblem(() => users.createUser({ ...body, enterpriseCode: body.enterpriseCode?.toUpperCase() ?? null }), 'body');
      return c.json(userOf(user), 201);
    });
}
