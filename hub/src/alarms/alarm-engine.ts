/**
 * Evaluates the alarm rules on every sample the store stored (its onStored listener; with hub
 * replicas on PostgreSQL, every replica's, in the replica that leads: shared-stored.ts), series
 * by series in time order, and keeps the alarms they raise; the rules that judge an absence (a
 * silent series, gateway or device) and the gateways' events (event-alarms.ts) are swept on a
 * clock (sweeps.ts). After a restart the active alarms are taken up again: their rules go on
 * from the last value, not from nothing.
 */
import { errorMessage, type Logger } from '@davy/runtime';
import type { SampleRow } from '../store/batch-records.js';
import type { Store } from '../store/store.js';
import type { Registry } from '../registry/registry.js';
import { AbsenceWatch } from './absence-watch.js';
import { EventAlarms } from './event-alarms.js';
import { Sweeps } from './sweeps.js';
import type { Alarm, AlarmStore } from './alarm-store.js';
import type { PointLocations } from './point-locations.js';
import { RestoredAlarms } from './restored-alarms.js';
import { RuleState, type Transition } from './rule-state.js';
import type { RuleTable, ValueRule } from './rule-tables.js';
import { SeriesContexts, type SeriesContext } from './series-context.js';

interface RuleOnSeries {
  table: RuleTable;
  rule: ValueRule;
  state: RuleState;
  open?: Alarm;
}

export class AlarmEngine {
  private readonly queue: SampleRow[][] = [];
  private draining?: Promise<void>;
  private readonly contexts: SeriesContexts;
  /** Rule states by series id, table and rule: they outlive a context looked up again. */
  private readonly states = new Map<string, RuleOnSeries>();
  /** Each series' rule states for its current context, so a sample finds them without building keys. */
  private readonly bound = new Map<number, { context: SeriesContext; rules: RuleOnSeries[] }>();
  private readonly restored = new RestoredAlarms();
  private readonly absence: AbsenceWatch;
  private readonly events: EventAlarms;
  private readonly sweeps: Sweeps;
  /**
   * Whether this engine writes alarms: always for the only hub of a database; with replicas on
   * PostgreSQL, from taking the lead until it is lost — at once, so that nothing is written
   * after another replica may have taken over.
   */
  private leading = true;

  constructor(
    private readonly store: Store,
    registry: Registry,
    locations: PointLocations,
    private readonly alarms: AlarmStore,
    tables: readonly RuleTable[],
    private readonly log: Logger,
    now: () => number = Date.now,
  ) {
    this.contexts = new SeriesContexts(store, registry, locations, tables, now);
    this.absence = new AbsenceWatch(store, this.contexts, alarms, this.restored, tables, log, now, () => this.leading);
    this.events = new EventAlarms(store, this.contexts, registry.db, alarms, tables, log, now, () => this.leading);
    this.sweeps = new Sweeps(
      async () => {
        await this.absence.sweep();
        await this.events.poll();
      },
      () => this.leading,
    );
  }

  /**
   * Takes up the active alarms, then evaluates the samples stored from now on; sweeps for
   * silence every `sweepMs` unless it is 0 (then only sweep() does). Where replicas share the
   * database, only the one that leads evaluates and sweeps, every replica's samples; one that
   * takes the lead starts from the database's alarms, as after a restart.
   */
  async start(options: { sweepMs: number }): Promise<void> {
    const shared = this.store.sharedStored;
    if (shared) {
      this.leading = false;
      shared.follow({
        gained: async () => {
          this.states.clear();
          this.bound.clear();
          this.contexts.forget();
          this.absence.reset();
          await this.restore();
          this.leading = true;
        },
        lost: () => {
          this.leading = false;
        },
        deliver: async (samples) => {
          this.offer(samples);
          await this.idle();
        },
      });
    } else {
      await this.restore();
      this.store.onStored((samples) => this.offer(samples));
    }
    if (options.sweepMs > 0) this.sweeps.start(options.sweepMs);
  }

  /** Takes up the active alarms of the database: their rules go on from their last value. */
  async restore(): Promise<void> {
    await this.restored.load(this.alarms);
  }

  /** Looks every gateway, device and series over for silence, and the gateways' events for alarms, now. */
  sweep(): Promise<void> {
    return this.sweeps.run();
  }

  /** Stops sweeping and following, and waits for what is under way. */
  async stop(): Promise<void> {
    await Promise.all([this.sweeps.stop(), this.store.sharedStored?.stop()]);
    await this.idle();
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
    this.contexts.forget();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const samples = this.queue.shift()!;
      for (const sample of samples) {
        if (sample.value === null) continue;
        try {
          // Most samples change nothing: those are judged without a promise to wait for.
          const keeping = this.evaluate(sample.seriesId, sample.value, sample.timeMs);
          if (keeping) await keeping;
        } catch (error) {
          this.log.error('alarm.evaluation_failed', { seriesId: sample.seriesId, error: errorMessage(error), hint: 'the next sample of the series is evaluated again' });
        }
      }
    }
  }

  /** Judges a sample by its series' rules; a promise only when the rules must be looked up or a change kept. */
  private evaluate(seriesId: number, value: number, timeMs: number): Promise<void> | undefined {
    const context = this.contexts.fresh(seriesId);
    if (!context) {
      return this.contexts.of(seriesId).then((found) => (found ? this.judge(found, seriesId, value, timeMs) : undefined));
    }
    return this.judge(context, seriesId, value, timeMs);
  }

  private judge(context: SeriesContext, seriesId: number, value: number, timeMs: number): Promise<void> | undefined {
    let bound = this.bound.get(seriesId);
    if (bound?.context !== context) {
      bound = { context, rules: context.valueRules.map(({ table, rule }) => this.stateOf(seriesId, context.point.subjectKey, table, rule)) };
      this.bound.set(seriesId, bound);
    }
    const { rules } = bound;
    for (let index = 0; index < rules.length; index += 1) {
      const transition = rules[index]!.state.evaluate(value, timeMs);
      if (transition) return this.keepFrom(context, rules, index, transition, value, timeMs);
    }
    return undefined;
  }

  /** Keeps the transition of rule `index`, then judges the rules after it, keeping theirs. */
  private async keepFrom(context: SeriesContext, rules: RuleOnSeries[], index: number, first: Transition, value: number, timeMs: number): Promise<void> {
    for (let at = index; at < rules.length; at += 1) {
      const entry = rules[at]!;
      const transition = at === index ? first : entry.state.evaluate(value, timeMs);
      if (!transition) continue;
      if (!this.leading) return;
      entry.open = await this.alarms.apply(entry.open, context.point, entry.table, entry.rule, transition);
      if (transition.kind === 'raised' || transition.kind === 'escalated' || transition.kind === 'cleared') {
        this.log.info(`alarm.${transition.kind}`, { alarm: entry.open?.id ?? null, rule: entry.rule.id, series: context.point.subjectKey, value });
      }
    }
  }

  private stateOf(seriesId: number, seriesKey: string, table: RuleTable, rule: ValueRule): RuleOnSeries {
    const key = `${seriesId}\u0000${table.table}\u0000${rule.id}`;
    let entry = this.states.get(key);
    if (!entry) {
      entry = { table, rule, state: new RuleState(rule) };
      entry.state.lastTimeMs = this.restored.judgedUpTo(seriesKey, rule.id) ?? -Infinity;
      const restored = this.restored.take(seriesKey, rule.id);
      if (restored) {
        entry.open = restored;
        entry.state.open = true;
        entry.state.severity = restored.severity;
        entry.state.lastTimeMs = restored.lastMs;
      }
      this.states.set(key, entry);
    }
    return entry;
  }
}
