/**
 * Events the gateways report, as alarms: at each sweep every event rule reads the events of
 * its type stored since it last looked (a cursor in the registry, so a restart or another
 * replica taking the lead goes on from there; the first look goes back a day) and raises, for
 * each event of a gateway whose site kind the rule's table covers, an alarm cleared at once —
 * open until acknowledged. On the gateway, or on the device the event names.
 */
import { errorMessage, type Logger } from '@davy/runtime';
import type { Registry } from '../registry/registry.js';
import type { SqlDatabase } from '../registry/sql/sql-database.js';
import type { StoredEvent, Store } from '../store/store.js';
import type { AlarmPoint, AlarmStore } from './alarm-store.js';
import { eventRules, type EventRule, type RuleTable } from './rule-tables.js';

const firstLookBackMs = 86_400_000;
const page = 500;

export class EventAlarms {
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly db: SqlDatabase,
    private readonly alarms: AlarmStore,
    private readonly tables: readonly RuleTable[],
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  async poll(): Promise<void> {
    for (const { table, rule } of eventRules(this.tables)) {
      try {
        await this.pollRule(table, rule);
      } catch (error) {
        this.log.error('alarm.event_poll_failed', { rule: rule.id, error: errorMessage(error), hint: 'the next sweep reads from where this one began' });
      }
    }
  }

  private async pollRule(table: RuleTable, rule: EventRule): Promise<void> {
    const ruleKey = `${table.table}/${rule.id}`;
    const [cursor] = await this.db.query<{ last_event_id: number }>('SELECT last_event_id FROM alarm_event_cursors WHERE rule_key = $1', [ruleKey]);
    const after = cursor ? Number(cursor.last_event_id) : undefined;
    const events = await this.eventsAfter(rule.event, after);
    const siteKinds = new Map<string, string | undefined>();
    for (const event of events) {
      if (!siteKinds.has(event.gatewayId)) siteKinds.set(event.gatewayId, (await this.registry.siteOfGateway(event.gatewayId))?.kind);
      const kind = siteKinds.get(event.gatewayId);
      if (kind !== undefined && (table.siteKinds as readonly string[]).includes(kind)) await this.raise(table, rule, event);
      // Kept after each event: a failure later in the list does not raise those before it twice.
      await this.db.query(
        'INSERT INTO alarm_event_cursors (rule_key, last_event_id) VALUES ($1, $2) ON CONFLICT (rule_key) DO UPDATE SET last_event_id = excluded.last_event_id',
        [ruleKey, event.id],
      );
    }
  }

  /** The events of `type` with ids above `after` (the first time, those of the last day), oldest first. */
  private async eventsAfter(type: string, after: number | undefined): Promise<StoredEvent[]> {
    const found: StoredEvent[] = [];
    let beforeId: number | undefined;
    for (;;) {
      const events = await this.store.events({ type, limit: page, beforeId, fromMs: after === undefined ? this.now() - firstLookBackMs : undefined });
      const newer = after === undefined ? events : events.filter((event) => event.id > after);
      found.push(...newer);
      if (events.length < page || newer.length < events.length) break;
      beforeId = events.at(-1)!.id;
    }
    return found.reverse();
  }

  private async raise(table: RuleTable, rule: EventRule, event: StoredEvent): Promise<void> {
    const point: AlarmPoint =
      event.device === null || event.device === ''
        ? { subject: 'gateway', subjectKey: event.gatewayId, seriesKey: null, gatewayId: event.gatewayId, device: null, metric: null, location: null }
        : { subject: 'device', subjectKey: `${event.gatewayId}/${event.device}`, seriesKey: null, gatewayId: event.gatewayId, device: event.device, metric: null, location: null };
    const field = rule.valueOf === undefined ? undefined : event.body[rule.valueOf];
    const value = typeof field === 'number' && Number.isFinite(field) ? field : 0;
    const raised = await this.alarms.apply(undefined, point, table, rule, { kind: 'raised', severity: rule.severity, value, timeMs: event.timeMs });
    await this.alarms.apply(raised, point, table, rule, { kind: 'cleared', value, timeMs: event.timeMs });
    this.log.warn('alarm.raised', { alarm: raised?.id ?? null, rule: rule.id, subject: point.subjectKey, event: event.type, eventId: event.id, value });
  }
}
