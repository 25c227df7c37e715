/**
 * Events the gateways report, as alarms: at each sweep every event rule reads the events of
 * its type it has not handled and raises, for each of a gateway whose site kind the rule's
 * table covers, an alarm cleared at once — open until acknowledged — on the gateway, or on the
 * device the event names. Handling an event is kept in the alarm's own transaction (a row per
 * event), so a crash neither loses nor doubles one, and two replicas cannot both raise it.
 *
 * Event ids are not visible in their order on PostgreSQL (two ingest transactions commit in
 * either order), so a plain "highest id seen" would skip one that commits late. The cursor
 * therefore only moves over events received at least `settleMs` ago, when any transaction that
 * could still add a lower id has long ended; the events above it are read again at each sweep
 * and skipped by their rows. An event received over a day ago and never handled (the first
 * look of a new rule) is history, not an alarm.
 */
import { errorMessage, type Logger } from '@davy/runtime';
import type { SqlDatabase } from '../registry/sql/sql-database.js';
import type { StoredEvent, Store } from '../store/store.js';
import type { AlarmPoint, AlarmStore } from './alarm-store.js';
import { eventRules, type EventRule, type RuleTable } from './rule-tables.js';
import type { SeriesContexts } from './series-context.js';

const lookBackMs = 86_400_000;
/** Longer than an ingest transaction can last (its queries time out after 120 s). */
const settleMs = 600_000;
const page = 500;

export class EventAlarms {
  constructor(
    private readonly store: Store,
    private readonly contexts: SeriesContexts,
    private readonly db: SqlDatabase,
    private readonly alarms: AlarmStore,
    private readonly tables: readonly RuleTable[],
    private readonly log: Logger,
    private readonly now: () => number,
    /** False once another replica leads: nothing more is written. */
    private readonly mayWrite: () => boolean,
  ) {}

  async poll(): Promise<void> {
    for (const { table, rule } of eventRules(this.tables)) {
      try {
        await this.pollRule(table, rule);
      } catch (error) {
        this.log.error('alarm.event_poll_failed', { rule: rule.id, error: errorMessage(error), hint: 'the next sweep reads the events not handled yet' });
      }
    }
  }

  private async pollRule(table: RuleTable, rule: EventRule): Promise<void> {
    const ruleKey = `${table.table}/${rule.id}`;
    const nowMs = this.now();
    const [cursor] = await this.db.query<{ last_event_id: number }>('SELECT last_event_id FROM alarm_event_cursors WHERE rule_key = $1', [ruleKey]);
    const after = cursor ? Number(cursor.last_event_id) : 0;
    const events = await this.eventsAfter(rule.event, after);
    const handled = new Set(
      (await this.db.query<{ event_id: number }>('SELECT event_id FROM alarm_events_handled WHERE rule_key = $1 AND event_id > $2', [ruleKey, after])).map((row) => Number(row.event_id)),
    );
    for (const event of events) {
      if (handled.has(event.id) || event.receivedMs < nowMs - lookBackMs) continue;
      if (!this.mayWrite()) return;
      const kind = await this.contexts.siteKindOf(event.gatewayId);
      const covered = kind !== undefined && (table.siteKinds as readonly string[]).includes(kind);
      const markHandled = async (tx: SqlDatabase) =>
        (await tx.query<{ event_id: number }>('INSERT INTO alarm_events_handled (rule_key, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id', [ruleKey, event.id])).length === 1;
      if (covered) await this.raise(table, rule, event, markHandled);
      else await this.db.transaction(markHandled);
    }
    // Every event read is handled now; those received long enough ago can no longer be joined by a lower id.
    const settled = events.filter((event) => event.receivedMs <= nowMs - settleMs).reduce((highest, event) => Math.max(highest, event.id), after);
    if (settled > after) {
      await this.db.transaction(async (tx) => {
        await tx.query('INSERT INTO alarm_event_cursors (rule_key, last_event_id) VALUES ($1, $2) ON CONFLICT (rule_key) DO UPDATE SET last_event_id = excluded.last_event_id', [ruleKey, settled]);
        await tx.query('DELETE FROM alarm_events_handled WHERE rule_key = $1 AND event_id <= $2', [ruleKey, settled]);
      });
    }
  }

  /** The events of `type` with ids above `after` (the first time, all of them), oldest first. */
  private async eventsAfter(type: string, after: number): Promise<StoredEvent[]> {
    const found: StoredEvent[] = [];
    let beforeId: number | undefined;
    for (;;) {
      const events = await this.store.events({ type, limit: page, beforeId });
      const newer = events.filter((event) => event.id > after);
      found.push(...newer);
      if (events.length < page || newer.length < events.length) break;
      beforeId = events.at(-1)!.id;
    }
    return found.reverse();
  }

  private async raise(table: RuleTable, rule: EventRule, event: StoredEvent, markHandled: (tx: SqlDatabase) => Promise<boolean>): Promise<void> {
    const point: AlarmPoint =
      event.device === null || event.device === ''
        ? { subject: 'gateway', subjectKey: event.gatewayId, seriesKey: null, gatewayId: event.gatewayId, device: null, metric: null, location: null }
        : { subject: 'device', subjectKey: `${event.gatewayId}/${event.device}`, seriesKey: null, gatewayId: event.gatewayId, device: event.device, metric: null, location: null };
    const field = rule.valueOf === undefined ? undefined : event.body[rule.valueOf];
    const value = typeof field === 'number' && Number.isFinite(field) ? field : 0;
    const alarm = await this.alarms.occurred(point, table, rule, { severity: rule.severity, value, timeMs: event.timeMs }, markHandled);
    if (alarm) this.log.warn('alarm.raised', { alarm: alarm.id, rule: rule.id, subject: point.subjectKey, event: event.type, eventId: event.id, value });
  }
}
