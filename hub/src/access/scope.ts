/** What a principal may see, from the registry: the sites of its enterprise or of its regions, and their gateways. */
import type { Registry, Site } from '../registry/registry.js';
import type { AccessScope, Principal } from './principal.js';

export async function scopeOf(principal: Principal, registry: Registry): Promise<AccessScope> {
  if (principal.role === 'platform_admin') return { all: true };
  let sites: Site[] = [];
  if (principal.kind === 'api-key') {
    for (const code of principal.enterpriseCodes) sites.push(...(await registry.sites({ enterpriseCode: code })));
  } else if (principal.kind === 'user' && principal.role === 'enterprise' && principal.enterpriseCode !== null) {
    sites = await registry.sites({ enterpriseCode: principal.enterpriseCode });
  } else if (principal.kind === 'user' && principal.role === 'regulator') {
    const byId = new Map<number, Site>();
    for (const region of principal.regions) for (const site of await registry.sites({ regionCode: region })) byId.set(site.id, site);
    sites = [...byId.values()];
  }
  // An audit admin sees no data: it reads the audit log only.
  const enterpriseCodes = new Set(sites.map((site) => site.enterpriseCode));
  if (principal.kind === 'user' && principal.role === 'enterprise' && principal.enterpriseCode !== null) enterpriseCodes.add(principal.enterpriseCode);
  if (principal.kind === 'api-key') for (const code of principal.enterpriseCodes) enterpriseCodes.add(code);
  return { all: false, gatewayIds: new Set(sites.flatMap((site) => site.gateways)), siteIds: new Set(sites.map((site) => site.id)), enterpriseCodes };
}
