/**
 * What the rules need to know of a series: its site's kind (the site its gateway reports for),
 * its metric and its sensor location, and so which rules apply to it; and of a gateway, its
 * site's kind. Looked up again every 30 s, so a registry change applies within that; forget()
 * makes it apply at once.
 */
import type { Registry } from '../registry/registry.js';
import type { SeriesInfo, Store } from '../store/store.js';
import type { AlarmPoint } from './alarm-store.js';
import type { PointLocations } from './point-locations.js';
import { rulesFor, staleRulesFor, type RuleTable, type StaleRule, type ValueRule } from './rule-tables.js';

export interface SeriesContext {
  expiresMs: number;
  point: AlarmPoint;
  valueRules: Array<{ table: RuleTable; rule: ValueRule }>;
  staleRules: Array<{ table: RuleTable; rule: StaleRule }>;
}

const contextTtlMs = 30_000;

export class SeriesContexts {
  private readonly series = new Map<number, SeriesInfo>();
  private readonly contexts = new Map<number, SeriesContext>();
  private readonly siteKinds = new Map<string, { kind: string | undefined; expiresMs: number }>();

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly locations: PointLocations,
    private readonly tables: readonly RuleTable[],
    private readonly now: () => number,
  ) {}

  /** Makes a series known without a lookup (the store's latest values name theirs). */
  know(info: SeriesInfo): void {
    this.series.set(info.id, info);
  }

  forget(): void {
    this.contexts.clear();
    this.siteKinds.clear();
  }

  /** The kind of the site a gateway reports for (undefined: none), looked up again every 30 s like a series' context. */
  async siteKindOf(gatewayId: string): Promise<string | undefined> {
    const nowMs = this.now();
    const cached = this.siteKinds.get(gatewayId);
    if (cached && cached.expiresMs > nowMs) return cached.kind;
    const kind = (await this.registry.siteOfGateway(gatewayId))?.kind;
    this.siteKinds.set(gatewayId, { kind, expiresMs: nowMs + contextTtlMs });
    return kind;
  }

  /** The series' context if it was looked up less than 30 s ago: no promise to wait for on the hot path. */
  fresh(seriesId: number): SeriesContext | undefined {
    const cached = this.contexts.get(seriesId);
    return cached && cached.expiresMs > this.now() ? cached : undefined;
  }

  async of(seriesId: number): Promise<SeriesContext | undefined> {
    const fresh = this.fresh(seriesId);
    if (fresh) return fresh;
    const nowMs = this.now();
    let info = this.series.get(seriesId);
    if (!info) {
      for (const series of await this.store.series({})) this.series.set(series.id, series);
      info = this.series.get(seriesId);
      if (!info) return undefined;
    }
    const site = await this.registry.siteOfGateway(info.gatewayId);
    const location = await this.locations.of(info.key);
    const point: AlarmPoint = { subject: 'series', subjectKey: info.key, seriesKey: info.key, gatewayId: info.gatewayId, device: info.device, metric: info.metric, location };
    const where = { siteKind: site?.kind ?? '', metric: info.metric, location };
    const context = { expiresMs: nowMs + contextTtlMs, point, valueRules: site ? rulesFor(this.tables, where) : [], staleRules: site ? staleRulesFor(this.tables, where) : [] };
    this.contexts.set(seriesId, context);
    return context;
  }
}
