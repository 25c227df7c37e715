/**
 * Evaluates the alarm rules on every sample the store stored (its onStored listener), series by
 * series in time order, and keeps the alarms they raise. A series' rules come from its site's
 * kind (the site its gateway reports for), its metric and its sensor location, and are looked
 * up again every 30 s, so a registry change applies within that. After a restart the active
 * alarms are taken up again: their rules go on from the last value, not from nothing.
 */
import { errorMessage, type Logger } from '@davy/runtime';
import type { SampleRow } from '../store/batch-records.js';
import type { SeriesInfo, Store } from '../store/store.js';
import type { Registry } from '../registry/registry.js';
import type { Alarm, AlarmPoint, AlarmStore } from './alarm-store.js';
import type { PointLocations } from './point-locations.js';
import { RuleState } from './rule-state.js';
import { rulesFor, type AlarmRule, type RuleTable } from './rule-tables.js';

interface RuleOnSeries {
  table: RuleTable;
  rule: AlarmRule;
  state: RuleState;
  open?: Alarm;
}

interface SeriesRules {
  expiresMs: number;
  point: AlarmPoint;
  rules: RuleOnSeries[];
}

const contextTtlMs = 30_000;

export class AlarmEngine {
  private readonly queue: SampleRow[][] = [];
  private draining?: Promise<void>;
  private readonly series = new Map<number, SeriesInfo>();
  private readonly contexts = new Map<number, SeriesRules>();
  /** Rule states by series id, table and rule: they outlive a context looked up again. */
  private readonly states = new Map<string, RuleOnSeries>();
  /** Active alarms found at start, by series key and rule, until their series is seen. */
  private readonly restored = new Map<string, Alarm>();

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly locations: PointLocations,
    private readonly alarms: AlarmStore,
    private readonly tables: readonly RuleTable[],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes up the active alarms, then evaluates every sample the store stores from now on. */
  async start(): Promise<void> {
    await this.restore();
    this.store.onStored((samples) => this.offer(samples));
  }

  /** Takes up the active alarms of the database: their rules go on from their last value. */
  async restore(): Promise<void> {
    for (const alarm of await this.alarms.active()) this.restored.set(`${alarm.seriesKey}\u0000${alarm.ruleId}`, alarm);
  }

  offer(samples: readonly SampleRow[]): void {
    this.queue.push([...samples]);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves once every sample offered so far is evaluated. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Looks every series' rules up again at its next sample (a location or a site changed). */
  forget(): void {
    this.contexts.clear();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const samples = this.queue.shift()!;
      for (const sample of samples) {
        if (sample.value === null) continue;
        try {
          await this.evaluate(sample.seriesId, sample.value, sample.timeMs);
        } catch (error) {
          this.log.error('alarm.evaluation_failed', { seriesId: sample.seriesId, error: errorMessage(error), hint: 'the next sample of the series is evaluated again' });
        }
      }
    }
  }

  private async evaluate(seriesId: number, value: number, timeMs: number): Promise<void> {
    const context = await this.contextOf(seriesId);
    if (!context) return;
    for (const entry of context.rules) {
      const transition = entry.state.evaluate(value, timeMs);
      if (!transition) continue;
      entry.open = await this.alarms.apply(entry.open, context.point, entry.table, entry.rule, transition);
      if (transition.kind === 'raised' || transition.kind === 'escalated' || transition.kind === 'cleared') {
        this.log.info(`alarm.${transition.kind}`, { alarm: entry.open?.id ?? null, rule: entry.rule.id, series: context.point.seriesKey, value });
      }
    }
  }

  private async contextOf(seriesId: number): Promise<SeriesRules | undefined> {
    const nowMs = this.now();
    const cached = this.contexts.get(seriesId);
    if (cached && cached.expiresMs > nowMs) return cached;
    let info = this.series.get(seriesId);
    if (!info) {
      for (const series of await this.store.series({})) this.series.set(series.id, series);
      info = this.series.get(seriesId);
      if (!info) return undefined;
    }
    const site = await this.registry.siteOfGateway(info.gatewayId);
    const location = await this.locations.of(info.key);
    const point: AlarmPoint = { seriesKey: info.key, gatewayId: info.gatewayId, metric: info.metric, location };
    const rules = site ? rulesFor(this.tables, { siteKind: site.kind, metric: info.metric, location }).map(({ table, rule }) => this.stateOf(seriesId, point, table, rule)) : [];
    const context = { expiresMs: nowMs + contextTtlMs, point, rules };
    this.contexts.set(seriesId, context);
    return context;
  }

  private stateOf(seriesId: number, point: AlarmPoint, table: RuleTable, rule: AlarmRule): RuleOnSeries {
    const key = `${seriesId}\u0000${table.table}\u0000${rule.id}`;
    let entry = this.states.get(key);
    if (!entry) {
      entry = { table, rule, state: new RuleState(rule) };
      const restored = this.restored.get(`${point.seriesKey}\u0000${rule.id}`);
      if (restored) {
        entry.open = restored;
        entry.state.open = true;
        entry.state.severity = restored.severity;
        entry.state.lastTimeMs = restored.lastMs;
        this.restored.delete(`${point.seriesKey}\u0000${rule.id}`);
      }
      this.states.set(key, entry);
    }
    return entry;
  }
}
