/** The registry as the API sees it: reads limited to the request's scope, as scoped-store.ts does for the store. */
import type { Enterprise, NewSite, Registry, Site, SiteFilter } from '../registry/registry.js';
import { currentScope } from './principal.js';

/** What the registry routes use of the registry. */
export type RegistryView = Pick<Registry, 'createEnterprise' | 'enterprises' | 'enterprise' | 'createSite' | 'sites' | 'site' | 'assignGateway'>;

export class ScopedRegistry implements RegistryView {
  constructor(private readonly registry: Registry) {}

  createEnterprise(input: { code: string; name: string }) {
    return this.registry.createEnterprise(input);
  }

  async enterprises(): Promise<Enterprise[]> {
    const scope = currentScope();
    const all = await this.registry.enterprises();
    return scope.all ? all : all.filter((enterprise) => scope.enterpriseCodes.has(enterprise.code));
  }

  async enterprise(code: string): Promise<Enterprise | undefined> {
    const scope = currentScope();
    return scope.all || scope.enterpriseCodes.has(code) ? this.registry.enterprise(code) : undefined;
  }

  createSite(input: NewSite) {
    return this.registry.createSite(input);
  }

  async sites(filter?: SiteFilter): Promise<Site[]> {
    const scope = currentScope();
    const sites = await this.registry.sites(filter);
    return scope.all ? sites : sites.filter((site) => scope.siteIds.has(site.id));
  }

  async site(id: number): Promise<Site | undefined> {
    const scope = currentScope();
    return scope.all || scope.siteIds.has(id) ? this.registry.site(id) : undefined;
  }

  assignGateway(siteId: number, gatewayId: string) {
    return this.registry.assignGateway(siteId, gatewayId);
  }
}
