/**
 * /api/v1/auth — a user signs in with name and password for a session token (ended after 30
 * minutes without a request), signs out, and changes the own password, which the first login
 * of every user demands.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { currentPrincipal, roles } from '../access/principal.js';
import { sessionIdleMs, type UserDirectory } from '../access/users.js';
import { asProblem } from './refusal-problem.js';
import { jsonContent } from './json-content.js';
import { ApiProblem, problemResponses } from './problem.js';

export const loginPath = '/api/v1/auth/login';

const LoginSchema = z.strictObject({ name: z.string().min(1).max(64), password: z.string().min(1).max(256) }).openapi('Login');

const SessionSchema = z
  .object({
    token: z.string().openapi({ description: 'Send it as "Authorization: Bearer <token>"' }),
    idleTimeoutMs: z.number().int().openapi({ description: 'The session ends after this long without a request' }),
    mustChangePassword: z.boolean().openapi({ description: 'Until the password is changed (POST /api/v1/auth/password), every other route answers 403' }),
    user: z.object({ name: z.string(), role: z.enum(roles), regions: z.array(z.string()), enterpriseCode: z.string().nullable() }),
  })
  .openapi('Session');

const PasswordChangeSchema = z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) }).openapi('PasswordChange');

const login = createRoute({
  method: 'post',
  path: loginPath,
  tags: ['auth'],
  summary: 'Sign in',
  security: [],
  request: { body: { required: true, content: jsonContent(LoginSchema) } },
  responses: {
    200: { description: 'A new session', content: jsonContent(SessionSchema) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'locked', 'unsupported-media-type', 'internal-error', 'unavailable'),
  },
});

const logout = createRoute({
  method: 'post',
  path: '/api/v1/auth/logout',
  tags: ['auth'],
  summary: 'End this session',
  responses: {
    204: { description: 'Ended' },
    ...problemResponses('unauthorized', 'forbidden', 'internal-error', 'unavailable'),
  },
});

const password = createRoute({
  method: 'post',
  path: '/api/v1/auth/password',
  tags: ['auth'],
  summary: 'Change the own password',
  description: 'At least 8 characters from at least 3 of: lower case, upper case, digits, others. Every other session of the user ends.',
  request: { body: { required: true, content: jsonContent(PasswordChangeSchema) } },
  responses: {
    204: { description: 'Changed' },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'unsupported-media-type', 'internal-error', 'unavailable'),
  },
});

/** The signed-in user of this request; the hub's API token is no user. */
function sessionUser() {
  const principal = currentPrincipal();
  if (principal?.kind !== 'user') throw new ApiProblem('forbidden', 'the hub API token is not a user: sign in as a user (POST /api/v1/auth/login)');
  return principal;
}

export function authRoutes(users: UserDirectory): OpenAPIHono {
  return new OpenAPIHono()
    .openapi(login, async (c) => {
      const body = c.req.valid('json');
      c.set('loginName', body.name);
      const { token, user } = await asProblem(() => users.login(body.name, body.password), 'body');
      return c.json(
        { token, idleTimeoutMs: sessionIdleMs, mustChangePassword: user.mustChangePassword, user: { name: user.name, role: user.role, regions: user.regions, enterpriseCode: user.enterpriseCode } },
        200,
      );
    })
    .openapi(logout, async (c) => {
      await users.logout(sessionUser().sessionDigest);
      return c.body(null, 204);
    })
    .openapi(password, async (c) => {
      const body = c.req.valid('json');
      await asProblem(() => users.changePassword(sessionUser(), body.currentPassword, body.newPassword), 'body');
      return c.body(null, 204);
    });
}
