/**
 * What each role may do, by route (separation of duties, GB/T 22239-2019 level 2): a platform
 * admin changes the registry and the users; an audit admin reads the audit log and nothing
 * else; regulators and enterprise users read, within their scope. Anyone signed in may sign out
 * and change the own password; a user who must change it may do nothing else first.
 */
import { shareableRoutes } from './api-keys.js';
import type { Principal } from './principal.js';

const ownAccount = new Set(['/api/v1/auth/password', '/api/v1/auth/logout']);

/** Whether an API key given `routes` may read `path`: one of them, or one item under a list (/api/v1/sites/3). */
function keyMayRead(routes: readonly string[], path: string): boolean {
  if (routes.includes(path)) return true;
  if ((shareableRoutes as readonly string[]).includes(path)) return false;
  return routes.some((route) => path.startsWith(`${route}/`) && !path.slice(route.length + 1).includes('/'));
}

/** Why the principal may not make this request; undefined when it may. */
export function refusal(principal: Principal, method: string, path: string): string | undefined {
  if (principal.kind === 'api-key') {
    if (path === '/api/v1/openapi.json') return undefined;
    if (method !== 'GET' && method !== 'HEAD') return 'an API key reads only: it changes nothing';
    return keyMayRead(principal.routes, path) ? undefined : `API key ${principal.name} may read ${principal.routes.join(', ')}, not ${path}`;
  }
  if (ownAccount.has(path)) return undefined;
  if (principal.kind === 'user' && principal.mustChangePassword) return 'change your password first: POST /api/v1/auth/password with currentPassword and newPassword';
  if (path === '/api/v1/openapi.json') return undefined;
  if (principal.role === 'platform_admin') return undefined;
  if (path.startsWith('/api/v1/users') || path.startsWith('/api/v1/api-keys')) return 'only a platform admin manages users and API keys';
  // A webhook's URL and deliveries tell of every enterprise's alarms: no scope narrows them.
  if (path.startsWith('/api/v1/webhooks')) return 'only a platform admin manages webhooks';
  if (path.startsWith('/api/v1/audit')) return principal.role === 'audit_admin' ? undefined : 'only a platform admin or an audit admin reads the audit log';
  if (principal.role === 'audit_admin') return 'an audit admin reads the audit log only';
  // Those who oversee the alarms acknowledge them (within their scope).
  if (method === 'POST' && /^\/api\/v1\/alarms\/\d+\/ack$/.test(path)) return undefined;
  if (method !== 'GET' && method !== 'HEAD') return 'only a platform admin changes the registry';
  return undefined;
}
