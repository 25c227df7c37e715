/**
 * Who a request comes from, and what it may see: set by the authentication middleware for the
 * rest of the request (AsyncLocalStorage), so the store and registry views the routes use
 * (scoped-store.ts, scoped-registry.ts) filter by it without any route passing it along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export const roles = ['platform_admin', 'audit_admin', 'regulator', 'enterprise'] as const;
export type Role = (typeof roles)[number];

export type Principal =
  /** The hub's API token (DAVY_HUB_TOKEN, or the generated one): the operator, a platform admin. */
  | { kind: 'hub-token'; role: 'platform_admin' }
  | { kind: 'user'; userId: number; name: string; role: Role; regions: string[]; enterpriseCode: string | null; mustChangePassword: boolean; sessionDigest: string }
  /** An API key for data sharing: reads the routes and enterprises it was given, at its rate. */
  | { kind: 'api-key'; role: 'api_key'; keyId: number; name: string; routes: string[]; enterpriseCodes: string[]; ratePerMinute: number };

/** How records (audit log, alarm acknowledgements) name a principal. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'user' ? principal.name : principal.kind === 'api-key' ? `key:${principal.name}` : 'hub-token';
}

/** What a principal may see: everything, or the gateways, sites and enterprises of its scope. */
export type AccessScope = { all: true } | { all: false; gatewayIds: ReadonlySet<string>; siteIds: ReadonlySet<number>; enterpriseCodes: ReadonlySet<string> };

export interface RequestAccess {
  principal: Principal;
  scope: AccessScope;
}

const current = new AsyncLocalStorage<RequestAccess>();

export function runWithAccess<T>(access: RequestAccess, work: () => T): T {
  return current.run(access, work);
}

/** The scope of the request under way; everything outside a request (ingest, start-up). */
export function currentScope(): AccessScope {
  return current.getStore()?.scope ?? { all: true };
}

/** The gateways the request under way may see; undefined when it may see all. */
export function visibleGateways(): ReadonlySet<string> | undefined {
  const scope = currentScope();
  return scope.all ? undefined : scope.gatewayIds;
}

export function currentPrincipal(): Principal | undefined {
  return current.getStore()?.principal;
}

/** Who makes the current request, as records name them (the hub token outside a request's access). */
export function currentActor(): string {
  const principal = currentPrincipal();
  return principal ? actorOf(principal) : 'hub-token';
}
