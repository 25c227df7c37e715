/**
 * The webhook deliveries still to make and those made: one row per alarm change and webhook,
 * appended inside the transaction that keeps the change (so a change is never kept without its
 * deliveries, nor a delivery without its change), then sent, retried and settled by the
 * dispatcher. A delivery being sent is claimed for a while, so that hub replicas on one
 * PostgreSQL database send it once between them.
 */
import { randomUUID } from 'node:crypto';
import type { AlarmChange } from '../alarms/alarm-store.js';
import { severities, type Severity } from '../alarms/rule-tables.js';
import type { SqlDatabase } from '../registry/sql/sql-database.js';

export const webhookEvents = ['alarm.raised', 'alarm.escalated', 'alarm.cleared', 'alarm.acknowledged'] as const;
export type WebhookEvent = (typeof webhookEvents)[number];

export const deliveryStates = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof deliveryStates)[number];

/** A delivery as an admin reads it. */
export interface Delivery {
  /** Also the Davy-Delivery header and the body's `id`: receivers drop a delivery they had already. */
  id: string;
  webhookId: number;
  event: WebhookEvent;
  alarmId: number;
  state: DeliveryState;
  attempts: number;
  lastError: string | null;
  createdMs: number;
  lastAttemptMs: number | null;
  /** When a pending delivery is tried next; null once it is delivered or failed. */
  nextAttemptMs: number | null;
  /** When it was delivered, or given up. */
  doneMs: number | null;
}

/** The oldest pending delivery of a webhook, with what it takes to send it. */
export interface DueDelivery {
  /** The row's number: deliveries of one webhook go in this order. */
  seq: number;
  id: string;
  webhookId: number;
  url: string;
  secret: string;
  event: WebhookEvent;
  alarmId: number;
  /** The JSON body, the same at every attempt. */
  body: string;
  attempts: number;
  createdMs: number;
  nextAttemptMs: number;
  /** Another replica (or this one) is sending it until then. */
  claimedUntilMs: number | null;
}

interface DeliveryRow {
  delivery_id: string;
  webhook_id: number;
  event: WebhookEvent;
  alarm_id: number;
  state: DeliveryState;
  attempts: number;
  last_error: string | null;
  created_ms: number;
  last_attempt_ms: number | null;
  next_attempt_ms: number;
  done_ms: number | null;
}

interface DueRow {
  seq: number;
  delivery_id: string;
  webhook_id: number;
  url: string;
  secret: string;
  event: WebhookEvent;
  alarm_id: number;
  alarm: string;
  time_ms: number;
  attempts: number;
  created_ms: number;
  next_attempt_ms: number;
  claimed_until_ms: number | null;
}

const severityRank = (severity: Severity) => severities.indexOf(severity);

export class DeliveryOutbox {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends, in the change's transaction `tx`, a delivery of the change to each webhook that wants its severity. */
  async append(tx: SqlDatabase, change: AlarmChange): Promise<void> {
    const webhooks = await tx.query<{ id: number; min_severity: Severity }>('SELECT id, min_severity FROM webhooks ORDER BY id');
    const nowMs = this.now();
    const alarm = JSON.stringify(change.alarm);
    for (const webhook of webhooks) {
      if (severityRank(change.alarm.severity) < severityRank(webhook.min_severity)) continue;
      await tx.query(
        `INSERT INTO webhook_deliveries (delivery_id, webhook_id, event, alarm_id, alarm, time_ms, state, attempts, created_ms, next_attempt_ms)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)`,
        [randomUUID(), webhook.id, `alarm.${change.what}`, change.alarm.id, alarm, change.timeMs, nowMs],
      );
    }
  }

  /** The oldest pending delivery of each webhook: only it may be sent, so each webhook's go in order. */
  async heads(): Promise<DueDelivery[]> {
    const rows = await this.db.query<DueRow>(
      `SELECT d.id AS seq, d.delivery_id, d.webhook_id, w.url, w.secret, d.event, d.alarm_id, d.alarm, d.time_ms, d.attempts, d.created_ms, d.next_attempt_ms, d.claimed_until_ms
       FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
       WHERE d.id IN (SELECT MIN(id) FROM webhook_deliveries WHERE state = 'pending' GROUP BY webhook_id)
       ORDER BY d.id`,
    );
    return rows.map((row) => ({
      seq: row.seq,
      id: row.delivery_id,
      webhookId: row.webhook_id,
      url: row.url,
      secret: row.secret,
      event: row.event,
      alarmId: row.alarm_id,
      body: JSON.stringify({ id: row.delivery_id, event: row.event, time: new Date(row.time_ms).toISOString(), alarm: JSON.parse(row.alarm) as unknown }),
      attempts: row.attempts,
      createdMs: row.created_ms,
      nextAttemptMs: row.next_attempt_ms,
      claimedUntilMs: row.claimed_until_ms,
    }));
  }

  /** Claims a pending delivery until `untilMs` for an attempt; false when another has it (or it is gone). */
  async claim(seq: number, untilMs: number): Promise<boolean> {
    const claimed = await this.db.query<{ id: number }>(
      "UPDATE webhook_deliveries SET claimed_until_ms = $1 WHERE id = $2 AND state = 'pending' AND (claimed_until_ms IS NULL OR claimed_until_ms <= $3) RETURNING id",
      [untilMs, seq, this.now()],
    );
    return claimed.length === 1;
  }

  /** An attempt cut short by the hub (closing, the webhook removed): not counted; the delivery is due again at once. */
  async release(seq: number): Promise<void> {
    await this.db.query('UPDATE webhook_deliveries SET claimed_until_ms = NULL WHERE id = $1', [seq]);
  }

  async delivered(seq: number, attempts: number, atMs: number): Promise<void> {
    await this.db.query("UPDATE webhook_deliveries SET state = 'delivered', attempts = $1, last_attempt_ms = $2, done_ms = $2, claimed_until_ms = NULL WHERE id = $3", [attempts, atMs, seq]);
  }

  async retryLater(seq: number, attempts: number, error: string, atMs: number, nextAttemptMs: number): Promise<void> {
    await this.db.query('UPDATE webhook_deliveries SET attempts = $1, last_error = $2, last_attempt_ms = $3, next_attempt_ms = $4, claimed_until_ms = NULL WHERE id = $5', [attempts, error, atMs, nextAttemptMs, seq]);
  }

  async failed(seq: number, attempts: number, error: string, atMs: number): Promise<void> {
    await this.db.query("UPDATE webhook_deliveries SET state = 'failed', attempts = $1, last_error = $2, last_attempt_ms = $3, done_ms = $3, claimed_until_ms = NULL WHERE id = $4", [attempts, error, atMs, seq]);
  }

  /** Removes the deliveries settled (delivered or failed) before `beforeMs`; a pending one stays, however old. */
  async prune(beforeMs: number): Promise<number> {
    return (await this.db.query<{ id: number }>("DELETE FROM webhook_deliveries WHERE state <> 'pending' AND done_ms < $1 RETURNING id", [beforeMs])).length;
  }

  /** Pending deliveries of webhooks removed while their change's transaction ran (PostgreSQL): nobody will send them. */
  async dropOrphans(): Promise<void> {
    await this.db.query('DELETE FROM webhook_deliveries WHERE webhook_id NOT IN (SELECT id FROM webhooks)');
  }

  /** A webhook's newest deliveries first. */
  async recent(webhookId: number, limit: number): Promise<Delivery[]> {
    const rows = await this.db.query<DeliveryRow>(
      'SELECT delivery_id, webhook_id, event, alarm_id, state, attempts, last_error, created_ms, last_attempt_ms, next_attempt_ms, done_ms FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2',
      [webhookId, limit],
    );
    return rows.map((row) => ({
      id: row.delivery_id,
      webhookId: row.webhook_id,
      event: row.event,
      alarmId: row.alarm_id,
      state: row.state,
      attempts: row.attempts,
      lastError: row.last_error,
      createdMs: row.created_ms,
      lastAttemptMs: row.last_attempt_ms,
      nextAttemptMs: row.state === 'pending' ? row.next_attempt_ms : null,
      doneMs: row.done_ms,
    }));
  }
}
