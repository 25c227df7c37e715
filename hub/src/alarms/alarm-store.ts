/**
 * Alarms and their history in the hub's relational database. An alarm is active or cleared,
 * and acknowledged or not — two independent flags, four states. A trigger while it is active
 * updates it (last and worst value, count); one after it cleared opens a new alarm. Each
 * records the rule table, version and standard that raised it.
 */
import type { SqlDatabase } from '../registry/sql/sql-database.js';
import type { AlarmRule, RuleTable, Severity } from './rule-tables.js';
import type { Transition } from './rule-state.js';

/** What an alarm is on: a series (its values or its silence), a device its gateway reports offline, a silent gateway. */
export const alarmSubjects = ['series', 'device', 'gateway'] as const;
export type AlarmSubject = (typeof alarmSubjects)[number];

export interface AlarmPoint {
  subject: AlarmSubject;
  /** The series key, gateway/device, or the gateway id: with the rule, what an alarm is kept by. */
  subjectKey: string;
  seriesKey: string | null;
  gatewayId: string;
  device: string | null;
  metric: string | null;
  location: string | null;
}

export interface Alarm extends AlarmPoint {
  id: number;
  ruleTable: string;
  tableVersion: string;
  ruleId: string;
  standard: string;
  severity: Severity;
  active: boolean;
  acknowledged: boolean;
  raisedMs: number;
  lastMs: number;
  clearedMs: number | null;
  acknowledgedMs: number | null;
  acknowledgedBy: string | null;
  ackComment: string | null;
  firstValue: number;
  lastValue: number;
  worstValue: number;
  triggers: number;
}

export interface AlarmHistoryEntry {
  timeMs: number;
  what: 'raised' | 'escalated' | 'cleared' | 'acknowledged';
  value: number | null;
  actor: string | null;
  comment: string | null;
}

export interface AlarmFilter {
  /** active: not cleared; unacknowledged; open: either (the default a regulator wants); all. */
  state: 'active' | 'unacknowledged' | 'open' | 'all';
  severity?: Severity;
  gatewayId?: string;
  subject?: AlarmSubject;
  /** Only alarms of these gateways (a user's scope). */
  gatewayIds?: readonly string[];
  limit: number;
  beforeId?: number;
}

interface AlarmRow {
  id: number;
  rule_table: string;
  table_version: string;
  rule_id: string;
  standard: string;
  subject: AlarmSubject;
  series_key: string;
  gateway_id: string;
  device: string | null;
  metric: string;
  location: string | null;
  severity: Severity;
  active: number;
  acked: number;
  raised_ms: number;
  last_ms: number;
  cleared_ms: number | null;
  acked_ms: number | null;
  acked_by: string | null;
  ack_comment: string | null;
  first_value: number;
  last_value: number;
  worst_value: number;
  triggers: number;
}

const columns =
  'id, rule_table, table_version, rule_id, standard, subject, series_key, gateway_id, device, metric, location, severity, active, acked, raised_ms, last_ms, cleared_ms, acked_ms, acked_by, ack_comment, first_value, last_value, worst_value, triggers';

function toAlarm(row: AlarmRow): Alarm {
  return {
    id: row.id,
    ruleTable: row.rule_table,
    tableVersion: row.table_version,
    ruleId: row.rule_id,
    standard: row.standard,
    subject: row.subject,
    subjectKey: row.series_key,
    seriesKey: row.subject === 'series' ? row.series_key : null,
    gatewayId: row.gateway_id,
    device: row.device,
    metric: row.subject === 'series' ? row.metric : null,
    location: row.location,
    severity: row.severity,
    active: row.active === 1,
    acknowledged: row.acked === 1,
    raisedMs: row.raised_ms,
    lastMs: row.last_ms,
    clearedMs: row.cleared_ms,
    acknowledgedMs: row.acked_ms,
    acknowledgedBy: row.acked_by,
    ackComment: row.ack_comment,
    firstValue: row.first_value,
    lastValue: row.last_value,
    worstValue: row.worst_value,
    triggers: row.triggers,
  };
}

/** The worse of two values for a rule: the lower for one raised by a low value, else the higher (a longer silence is worse too). */
function worse(rule: AlarmRule, a: number, b: number): number {
  return 'raise' in rule && (rule.raise.op === '<' || rule.raise.op === '<=') ? Math.min(a, b) : Math.max(a, b);
}

export class AcknowledgeError extends Error {}

/** What changed in an alarm (a repeat trigger is not a change: it only updates the figures). */
export interface AlarmChange {
  what: 'raised' | 'escalated' | 'cleared' | 'acknowledged';
  timeMs: number;
  /** The alarm as the change left it. */
  alarm: Alarm;
}

/**
 * Hears each alarm change inside the transaction that keeps it, so what it records (a webhook
 * delivery) is kept with the change or not at all, then once the transaction committed.
 */
export interface AlarmChangeRecorder {
  record(tx: SqlDatabase, change: AlarmChange): Promise<void>;
  committed(): void;
}

export class AlarmStore {
  private readonly recorders: AlarmChangeRecorder[] = [];

  constructor(private readonly db: SqlDatabase) {}

  addRecorder(recorder: AlarmChangeRecorder): void {
    this.recorders.push(recorder);
  }

  /** Keeps what a rule's transition changed; returns the alarm still active after it, if one is. */
  async apply(open: Alarm | undefined, point: AlarmPoint, table: RuleTable, rule: AlarmRule, transition: Transition): Promise<Alarm | undefined> {
    const { value, timeMs } = transition;
    if (transition.kind === 'raised') {
      return this.changing(async (tx) => {
        const alarm = await this.insertRaised(tx, point, table, rule, transition.severity, value, timeMs);
        return { result: alarm, changes: [{ what: 'raised', timeMs, alarm }] };
      });
    }
    if (!open) return undefined;
    const worst = worse(rule, open.worstValue, value);
    const updated: Alarm = { ...open, lastMs: timeMs, lastValue: value, worstValue: worst, triggers: open.triggers + 1 };
    if (transition.kind === 'repeated') {
      await this.db.query('UPDATE alarms SET last_ms = $1, last_value = $2, worst_value = $3, triggers = triggers + 1 WHERE id = $4', [timeMs, value, worst, open.id]);
      return updated;
    }
    return this.changing(async (tx) => {
      let alarm: Alarm;
      if (transition.kind === 'escalated') {
        await tx.query("UPDATE alarms SET severity = 'critical', last_ms = $1, last_value = $2, worst_value = $3, triggers = triggers + 1 WHERE id = $4", [timeMs, value, worst, open.id]);
        alarm = { ...updated, severity: 'critical' };
      } else {
        await tx.query('UPDATE alarms SET active = 0, cleared_ms = $1, last_ms = $1, last_value = $2, worst_value = $3 WHERE id = $4', [timeMs, value, worst, open.id]);
        alarm = { ...open, active: false, clearedMs: timeMs, lastMs: timeMs, lastValue: value, worstValue: worst };
      }
      await tx.query('INSERT INTO alarm_history (alarm_id, time_ms, what, value) VALUES ($1, $2, $3, $4)', [open.id, timeMs, transition.kind, value]);
      return { result: alarm.active ? alarm : undefined, changes: [{ what: transition.kind, timeMs, alarm }] };
    });
  }

  /**
   * An alarm raised and cleared at once (an event happened: it stays open until acknowledged),
   * in one transaction with `first`, which may refuse it (false: nothing is written).
   */
  async occurred(point: AlarmPoint, table: RuleTable, rule: AlarmRule, happened: { severity: Severity; value: number; timeMs: number }, first: (tx: SqlDatabase) => Promise<boolean>): Promise<Alarm | undefined> {
    const { value, timeMs } = happened;
    return this.changing(async (tx) => {
      if (!(await first(tx))) return { result: undefined, changes: [] };
      const raised = await this.insertRaised(tx, point, table, rule, happened.severity, value, timeMs);
      await tx.query('UPDATE alarms SET active = 0, cleared_ms = $1 WHERE id = $2', [timeMs, raised.id]);
      await tx.query('INSERT INTO alarm_history (alarm_id, time_ms, what, value) VALUES ($1, $2, $3, $4)', [raised.id, timeMs, 'cleared', value]);
      const cleared: Alarm = { ...raised, active: false, clearedMs: timeMs };
      return { result: cleared, changes: [{ what: 'raised', timeMs, alarm: raised }, { what: 'cleared', timeMs, alarm: cleared }] };
    });
  }

  private async insertRaised(tx: SqlDatabase, point: AlarmPoint, table: RuleTable, rule: AlarmRule, severity: Severity, value: number, timeMs: number): Promise<Alarm> {
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO alarms (rule_table, table_version, rule_id, standard, subject, series_key, gateway_id, device, metric, location, severity, active, acked, raised_ms, last_ms, first_value, last_value, worst_value, triggers)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, 0, $12, $12, $13, $13, $13, 1) RETURNING id`,
      [table.table, table.version, rule.id, rule.standard, point.subject, point.subjectKey, point.gatewayId, point.device, point.metric ?? '', point.location, severity, timeMs, value],
    );
    await tx.query('INSERT INTO alarm_history (alarm_id, time_ms, what, value) VALUES ($1, $2, $3, $4)', [row!.id, timeMs, 'raised', value]);
    return {
      ...point,
      id: Number(row!.id),
      ruleTable: table.table,
      tableVersion: table.version,
      ruleId: rule.id,
      standard: rule.standard,
      severity,
      active: true,
      acknowledged: false,
      raisedMs: timeMs,
      lastMs: timeMs,
      clearedMs: null,
      acknowledgedMs: null,
      acknowledgedBy: null,
      ackComment: null,
      firstValue: value,
      lastValue: value,
      worstValue: value,
      triggers: 1,
    };
  }

  /** Runs a change in one transaction with what the recorders keep of it, and tells them once committed. */
  private async changing<T>(work: (tx: SqlDatabase) => Promise<{ result: T; changes: AlarmChange[] }>): Promise<T> {
    const result = await this.db.transaction(async (tx) => {
      const done = await work(tx);
      for (const change of done.changes) for (const recorder of this.recorders) await recorder.record(tx, change);
      return done.result;
    });
    for (const recorder of this.recorders) recorder.committed();
    return result;
  }

  async get(id: number): Promise<Alarm | undefined> {
    const [row] = await this.db.query<AlarmRow>(`SELECT ${columns} FROM alarms WHERE id = $1`, [id]);
    return row && toAlarm(row);
  }

  /** For each subject and rule that ever raised, the time of its newest alarm change: a rule's samples up to it were judged already. */
  async lastTimes(): Promise<Array<{ subjectKey: string; ruleId: string; lastMs: number }>> {
    const rows = await this.db.query<{ series_key: string; rule_id: string; last_ms: number }>('SELECT series_key, rule_id, MAX(last_ms) AS last_ms FROM alarms GROUP BY series_key, rule_id');
    return rows.map((row) => ({ subjectKey: row.series_key, ruleId: row.rule_id, lastMs: Number(row.last_ms) }));
  }

  /** Every active alarm, to take up the rules' state again after a restart. */
  async active(): Promise<Alarm[]> {
    return (await this.db.query<AlarmRow>(`SELECT ${columns} FROM alarms WHERE active = 1 ORDER BY id`)).map(toAlarm);
  }

  async history(id: number): Promise<AlarmHistoryEntry[]> {
    const rows = await this.db.query<{ time_ms: number; what: AlarmHistoryEntry['what']; value: number | null; actor: string | null; comment: string | null }>(
      'SELECT time_ms, what, value, actor, comment FROM alarm_history WHERE alarm_id = $1 ORDER BY time_ms, what',
      [id],
    );
    return rows.map((row) => ({ timeMs: row.time_ms, what: row.what, value: row.value, actor: row.actor, comment: row.comment }));
  }

  async list(filter: AlarmFilter): Promise<Alarm[]> {
    if (filter.gatewayIds !== undefined && filter.gatewayIds.length === 0) return [];
    const clauses: string[] = [];
    const params: Array<string | number> = [];
    const add = (sql: (p: string) => string, value: string | number) => {
      params.push(value);
      clauses.push(sql(`$${params.length}`));
    };
    if (filter.state === 'active') clauses.push('active = 1');
    if (filter.state === 'unacknowledged') clauses.push('acked = 0');
    if (filter.state === 'open') clauses.push('(active = 1 OR acked = 0)');
    if (filter.severity !== undefined) add((p) => `severity = ${p}`, filter.severity);
    if (filter.gatewayId !== undefined) add((p) => `gateway_id = ${p}`, filter.gatewayId);
    if (filter.subject !== undefined) add((p) => `subject = ${p}`, filter.subject);
    if (filter.gatewayIds !== undefined) clauses.push(`gateway_id IN (${filter.gatewayIds.map((id) => (params.push(id), `$${params.length}`)).join(', ')})`);
    if (filter.beforeId !== undefined) add((p) => `id < ${p}`, filter.beforeId);
    params.push(filter.limit);
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    return (await this.db.query<AlarmRow>(`SELECT ${columns} FROM alarms ${where} ORDER BY id DESC LIMIT $${params.length}`, params)).map(toAlarm);
  }

  /** Acknowledges an alarm, active or cleared, with who and why; once only. */
  async acknowledge(id: number, actor: string, comment: string, nowMs: number): Promise<Alarm> {
    return this.changing(async (tx) => {
      // One statement decides: of two acknowledgements at once (two replicas), one updates the row, the other finds it taken.
      const [acknowledged] = await tx.query<AlarmRow>(`UPDATE alarms SET acked = 1, acked_ms = $1, acked_by = $2, ack_comment = $3 WHERE id = $4 AND acked = 0 RETURNING ${columns}`, [
        nowMs,
        actor,
        comment,
        id,
      ]);
      if (!acknowledged) throw new AcknowledgeError(`alarm ${id} is acknowledged already`);
      await tx.query('INSERT INTO alarm_history (alarm_id, time_ms, what, actor, comment) VALUES ($1, $2, $3, $4, $5)', [id, nowMs, 'acknowledged', actor, comment]);
      const alarm = toAlarm(acknowledged);
      return { result: alarm, changes: [{ what: 'acknowledged', timeMs: nowMs, alarm }] };
    });
  }
}
