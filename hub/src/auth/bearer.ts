/**
 * Bearer authentication for the REST API (RFC 6750), then authorization. Every path under the
 * guard needs a token unless listed as public, so a new route is protected without anyone
 * remembering to. A token is the hub's API token (the operator: a platform admin), a user's
 * session token (POST /api/v1/auth/login) or an API key for data sharing (rate-limited). The request then runs with its principal and scope
 * (access/principal.ts), which the API's store and registry views filter by.
 */
import type { MiddlewareHandler } from 'hono';
import { refusal } from '../access/permissions.js';
import { runWithAccess, type Principal } from '../access/principal.js';
import { scopeOf } from '../access/scope.js';
import type { ApiKeys } from '../access/api-keys.js';
import type { RateLimits } from '../access/rate-limit.js';
import type { UserDirectory } from '../access/users.js';
import { ApiProblem } from '../api/problem.js';
import type { Registry } from '../registry/registry.js';
import type { Store } from '../store/store.js';
import { isBearerToken, tokenDigest } from './token-digest.js';

const realm = 'Bearer realm="davy-hub"';

export interface BearerAuthOptions {
  store: Store;
  users: UserDirectory;
  apiKeys: ApiKeys;
  rateLimits: RateLimits;
  registry: Registry;
  publicPaths: string[];
}

export function bearerAuth(options: BearerAuthOptions): MiddlewareHandler {
  const publicPaths = new Set(options.publicPaths);
  const principalOf = async (token: string): Promise<Principal | undefined> => {
    if (!isBearerToken(token)) return undefined;
    if (await options.store.hasTokenDigest(tokenDigest(token))) return { kind: 'hub-token', role: 'platform_admin' };
    return (await options.users.authenticate(token)) ?? options.apiKeys.authenticate(token);
  };
  return async (c, next) => {
    if (publicPaths.has(c.req.path)) return next();
    const header = c.req.header('Authorization');
    if (header === undefined) {
      throw new ApiProblem('unauthorized', 'send the header "Authorization: Bearer <token>"', { headers: { 'WWW-Authenticate': realm } });
    }
    const token = /^Bearer +(\S+)$/i.exec(header)?.[1];
    const principal = token === undefined ? undefined : await principalOf(token);
    if (!principal) {
      throw new ApiProblem('unauthorized', 'the bearer token is not valid', {
        headers: { 'WWW-Authenticate': `${realm}, error="invalid_token"` },
      });
    }
    c.set('principal', principal);
    const refused = refusal(principal, c.req.method, c.req.path);
    if (refused) throw new ApiProblem('forbidden', refused);
    if (principal.kind === 'api-key') {
      const waitSeconds = options.rateLimits.take(principal.keyId, principal.ratePerMinute);
      if (waitSeconds !== undefined) {
        throw new ApiProblem('too-many-requests', `API key ${principal.name} may make ${principal.ratePerMinute} requests a minute; try again in ${waitSeconds} s`, { headers: { 'Retry-After': String(waitSeconds) } });
      }
    }
    const scope = await scopeOf(principal, options.registry);
    await runWithAccess({ principal, scope }, next);
  };
}
