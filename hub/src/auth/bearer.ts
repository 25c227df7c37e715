/**
 * Bearer authentication for the REST API (RFC 6750). Every path under the guard needs a
 * token unless listed as public, so a new route is protected without anyone remembering to.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiProblem } from '../api/problem.js';
import type { Store } from '../store/store.js';
import { isBearerToken, tokenDigest } from './token-digest.js';

const realm = 'Bearer realm="davy-hub"';

export function bearerAuth(store: Store, options: { publicPaths: string[] }): MiddlewareHandler {
  const publicPaths = new Set(options.publicPaths);
  return async (c, next) => {
    if (publicPaths.has(c.req.path)) return next();
    const header = c.req.header('Authorization');
    if (header === undefined) {
      throw new ApiProblem('unauthorized', 'send the header "Authorization: Bearer <token>"', { headers: { 'WWW-Authenticate': realm } });
    }
    const match = /^Bearer +(\S+)$/i.exec(header);
    const token = match?.[1];
    if (token === undefined || !isBearerToken(token) || !(await store.hasTokenDigest(tokenDigest(token)))) {
      throw new ApiProblem('unauthorized', 'the bearer token is not valid', {
        headers: { 'WWW-Authenticate': `${realm}, error="invalid_token"` },
      });
    }
    return next();
  };
}
