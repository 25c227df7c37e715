/**
 * The registry regulators work from: enterprises keyed by their unified social credit code,
 * their sites (a coal mine, a power plant, …) with the division they lie in and where, and the
 * gateways that report for each site. It lives in the hub's relational database (see
 * open-registry.ts); every input is checked here, whatever route or tool it comes from.
 */
import { creditCodeProblem } from '@davy/runtime';
import { Refusal } from '../refusal.js';
import { regionCodeProblem, regionPrefix } from './region-code.js';
import { constraintBroken, type SqlDatabase } from './sql/sql-database.js';

export const siteKinds = ['coal_mine', 'power_plant', 'oil_gas_field', 'pv_farm', 'wind_farm', 'charging_station', 'industrial_plant', 'other'] as const;
export type SiteKind = (typeof siteKinds)[number];

export interface Enterprise {
  code: string;
  name: string;
  createdMs: number;
}

export interface Site {
  id: number;
  enterpriseCode: string;
  name: string;
  kind: SiteKind;
  regionCode: string;
  location: { latitude: number; longitude: number } | null;
  createdMs: number;
  /** The gateways that report for the site, by id. */
  gateways: string[];
}

export interface NewSite {
  enterpriseCode: string;
  name: string;
  kind: SiteKind;
  regionCode: string;
  location: { latitude: number; longitude: number } | null;
}

export interface SiteFilter {
  enterpriseCode?: string;
  /** Sites in this division or any under it. */
  regionCode?: string;
}


interface SiteRow {
  id: number;
  enterprise_code: string;
  name: string;
  kind: SiteKind;
  region_code: string;
  latitude: number | null;
  longitude: number | null;
  created_ms: number;
}

const siteColumns = 'id, enterprise_code, name, kind, region_code, latitude, longitude, created_ms';

export class Registry {
  constructor(
    readonly db: SqlDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  async createEnterprise(input: { code: string; name: string }): Promise<Enterprise> {
    const problem = creditCodeProblem(input.code);
    if (problem) throw new Refusal('invalid', 'code', problem);
    const name = input.name.trim();
    if (name === '') throw new Refusal('invalid', 'name', 'is empty; give the enterprise\'s registered name');
    const enterprise = { code: input.code, name, createdMs: this.now() };
    try {
      await this.db.query('INSERT INTO enterprises (code, name, created_ms) VALUES ($1, $2, $3)', [enterprise.code, enterprise.name, enterprise.createdMs]);
    } catch (error) {
      if (constraintBroken(error) === 'unique') throw new Refusal('conflict', 'code', `enterprise ${input.code} is registered already`);
      throw error;
    }
    return enterprise;
  }

  async enterprises(): Promise<Enterprise[]> {
    const rows = await this.db.query<{ code: string; name: string; created_ms: number }>('SELECT code, name, created_ms FROM enterprises ORDER BY code');
    return rows.map((row) => ({ code: row.code, name: row.name, createdMs: row.created_ms }));
  }

  async enterprise(code: string): Promise<Enterprise | undefined> {
    const [row] = await this.db.query<{ code: string; name: string; created_ms: number }>('SELECT code, name, created_ms FROM enterprises WHERE code = $1', [code]);
    return row && { code: row.code, name: row.name, createdMs: row.created_ms };
  }

  async createSite(input: NewSite): Promise<Site> {
    const regionProblem = regionCodeProblem(input.regionCode);
    if (regionProblem) throw new Refusal('invalid', 'regionCode', regionProblem);
    const name = input.name.trim();
    if (name === '') throw new Refusal('invalid', 'name', 'is empty; give the site\'s name');
    if (!(await this.enterprise(input.enterpriseCode))) {
      throw new Refusal('invalid', 'enterpriseCode', `there is no enterprise ${input.enterpriseCode}: register it first (POST /api/v1/enterprises)`);
    }
    try {
      const [row] = await this.db.query<SiteRow>(
        `INSERT INTO sites (enterprise_code, name, kind, region_code, latitude, longitude, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${siteColumns}`,
        [input.enterpriseCode, name, input.kind, input.regionCode, input.location?.latitude ?? null, input.location?.longitude ?? null, this.now()],
      );
      return toSite(row!, []);
    } catch (error) {
      if (constraintBroken(error) === 'unique') throw new Refusal('conflict', 'name', `enterprise ${input.enterpriseCode} has a site named "${name}" already`);
      throw error;
    }
  }

  async sites(filter: SiteFilter = {}): Promise<Site[]> {
    const clauses: string[] = [];
    const params: string[] = [];
    if (filter.enterpriseCode !== undefined) {
      params.push(filter.enterpriseCode);
      clauses.push(`enterprise_code = $${params.length}`);
    }
    if (filter.regionCode !== undefined) {
      params.push(`${regionPrefix(filter.regionCode)}%`);
      clauses.push(`region_code LIKE $${params.length}`);
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const rows = await this.db.query<SiteRow>(`SELECT ${siteColumns} FROM sites ${where} ORDER BY id`, params);
    const gateways = await this.gatewaysBySite(where, params);
    return rows.map((row) => toSite(row, gateways.get(row.id) ?? []));
  }

  async site(id: number): Promise<Site | undefined> {
    const [row] = await this.db.query<SiteRow>(`SELECT ${siteColumns} FROM sites WHERE id = $1`, [id]);
    if (!row) return undefined;
    const gateways = await this.db.query<{ gateway_id: string }>('SELECT gateway_id FROM site_gateways WHERE site_id = $1 ORDER BY gateway_id', [id]);
    return toSite(row, gateways.map((g) => g.gateway_id));
  }

  /** The site a gateway reports for, if it was assigned one. */
  async siteOfGateway(gatewayId: string): Promise<Site | undefined> {
    const [row] = await this.db.query<{ site_id: number }>('SELECT site_id FROM site_gateways WHERE gateway_id = $1', [gatewayId]);
    return row ? this.site(row.site_id) : undefined;
  }

  /** Makes the gateway report for this site (moving it from another site, if it had one). */
  async assignGateway(siteId: number, gatewayId: string): Promise<Site> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(gatewayId)) {
      throw new Refusal('invalid', 'gatewayId', 'is not a gateway id: letters, digits, ".", "_" and "-", starting with a letter or digit, at most 128');
    }
    await this.db.transaction(async (tx) => {
      const [site] = await tx.query<{ id: number }>('SELECT id FROM sites WHERE id = $1', [siteId]);
      if (!site) throw new Refusal('not-found', 'id', `there is no site ${siteId}`);
      await tx.query(
        'INSERT INTO site_gateways (gateway_id, site_id, assigned_ms) VALUES ($1, $2, $3) ON CONFLICT (gateway_id) DO UPDATE SET site_id = excluded.site_id, assigned_ms = excluded.assigned_ms',
        [gatewayId, siteId, this.now()],
      );
    });
    return (await this.site(siteId))!;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /** The gateways of the sites `where` (on the sites' columns) picks, by site: only their links are read. */
  private async gatewaysBySite(where: string, params: string[]): Promise<Map<number, string[]>> {
    const rows = await this.db.query<{ gateway_id: string; site_id: number }>(
      `SELECT site_gateways.gateway_id, site_gateways.site_id FROM site_gateways JOIN sites ON sites.id = site_gateways.site_id ${where} ORDER BY site_gateways.gateway_id`,
      params,
    );
    const bySite = new Map<number, string[]>();
    for (const row of rows) {
      const gateways = bySite.get(row.site_id);
      if (gateways) gateways.push(row.gateway_id);
      else bySite.set(row.site_id, [row.gateway_id]);
    }
    return bySite;
  }
}

function toSite(row: SiteRow, gateways: string[]): Site {
  return {
    id: row.id,
    enterpriseCode: row.enterprise_code,
    name: row.name,
    kind: row.kind,
    regionCode: row.region_code,
    location: row.latitude === null || row.longitude === null ? null : { latitude: row.latitude, longitude: row.longitude },
    createdMs: row.created_ms,
    gateways,
  };
}
