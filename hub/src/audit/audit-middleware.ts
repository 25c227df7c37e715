/**
 * Writes the audit log from the API: every request that changes something (any method but GET
 * and HEAD — logins and failed logins included), and every data export (history, and the
 * audit log itself), each with who, from where, what, on what, and the result — also when it
 * was refused. It wraps authentication, so refusals are recorded too; passwords and tokens
 * never are (a request's body is not recorded, only its path).
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { errorMessage, type Logger } from '@davy/runtime';
import { actorOf, type Principal } from '../access/principal.js';
import type { AuditLog } from './audit-log.js';

/** Reads that hand data out of the hub. */
const exportPaths = new Set(['/api/v1/series/history', '/api/v1/audit', '/api/v1/reports/energy', '/api/v1/reports/quality']);

/** What the request's handlers tell the audit log: the principal, and the name a login tried. */
declare module 'hono' {
  interface ContextVariableMap {
    principal?: Principal;
    loginName?: string;
  }
}

function sourceOf(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Not from a socket (a request made in-process, as tests do).
    return 'unknown';
  }
}

function actionOf(method: string, path: string, status: number): string {
  if (path === '/api/v1/auth/login') return status === 200 ? 'login' : 'login_failed';
  if (path === '/api/v1/auth/logout') return 'logout';
  if (method === 'GET' || method === 'HEAD') return 'export';
  return `${method} ${path}`;
}

export function auditRequests(audit: AuditLog, log: Logger): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const { method } = c.req;
    const path = c.req.path;
    const changes = method !== 'GET' && method !== 'HEAD';
    if (!changes && !exportPaths.has(path)) return;
    const principal = c.get('principal');
    const status = c.res.status;
    const actor = principal ? actorOf(principal) : (c.get('loginName') ?? 'anonymous');
    const url = new URL(c.req.url);
    let result = status < 400 ? 'ok' : String(status);
    if (status >= 400) {
      const problem = (await c.res.clone().json().catch(() => undefined)) as { detail?: string } | undefined;
      if (problem?.detail) result = `${status} ${problem.detail}`;
    }
    try {
      await audit.append({ actor, role: principal?.role ?? 'none', source: sourceOf(c), action: actionOf(method, path, status), target: `${path}${url.search}`, result });
    } catch (error) {
      // The answer is given already; a record that could not be written is said loudly.
      log.error('audit.append_failed', { action: actionOf(method, path, status), target: path, error: errorMessage(error) });
    }
  };
}
