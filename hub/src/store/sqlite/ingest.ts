/**
 * The SQLite write path: every batch's records at or under its gateway's watermark are
 * skipped, the rest are stored, and the new watermark is written in the same transaction, so a
 * resent batch after any crash is harmless.
 */
import type Database from 'better-sqlite3';
import { sortRecords, type EventRow } from '../batch-records.js';
import { deviceReportOf } from '../device-report.js';
import { LatestSamples } from '../latest-samples.js';
import { earlyReason, earlyResult } from '../batch-order.js';
import { decideOutbox, outboxKey, RefusedOutboxes, refusedResult } from '../outbox-takeover.js';
import type { IngestBatch, IngestResult } from '../store.js';
import { DeviceStatusWriter } from './device-status.js';
import type { StoredSamples } from '../stored-samples.js';
import type { SampleStaging, StagedSample } from './staging.js';

interface GatewayRow {
  outbox_id: string;
  last_seen_ms: number;
}

export class SqliteIngest {
  /** gateway and outbox → (agent's local series id → hub series id), filled from outbox_series. */
  private readonly seriesIds = new Map<string, Map<number, number>>();
  private readonly statements;
  private readonly deviceStatus: DeviceStatusWriter;
  readonly commit: (batches: IngestBatch[]) => IngestResult[];

  constructor(
    db: Database.Database,
    private readonly staging: SampleStaging,
    stored: StoredSamples,
  ) {
    this.deviceStatus = new DeviceStatusWriter(db);
    this.statements = {
      gateway: db.prepare<[string], GatewayRow>('SELECT outbox_id, last_seen_ms FROM gateways WHERE id = ?'),
      insertGateway: db.prepare(
        `INSERT INTO gateways (id, enterprise_code, site, outbox_id, watermark, first_seen_ms, last_seen_ms, clock_skew_ms)
         VALUES (?, ?, ?, ?, 0, ?, ?, ?)`,
      ),
      updateGateway: db.prepare(
        `UPDATE gateways SET enterprise_code = ?, site = ?, outbox_id = ?, watermark = ?, last_seen_ms = ?, clock_skew_ms = ? WHERE id = ?`,
      ),
      outboxWatermark: db.prepare<[string, string], { watermark: number }>('SELECT watermark FROM outboxes WHERE gateway_id = ? AND outbox_id = ?'),
      upsertOutbox: db.prepare(
        `INSERT INTO outboxes (gateway_id, outbox_id, watermark, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (gateway_id, outbox_id) DO UPDATE SET watermark = excluded.watermark, last_seen_ms = excluded.last_seen_ms`,
      ),
      upsertSeries: db.prepare<[string, string, string, string, string, string, number, number], { id: number }>(
        `INSERT INTO series (key, gateway_id, device, point, metric, unit, interval_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET metric = excluded.metric, unit = excluded.unit, interval_ms = excluded.interval_ms
         RETURNING id`,
      ),
      mapSeries: db.prepare('INSERT OR REPLACE INTO outbox_series (gateway_id, outbox_id, local_id, series_id) VALUES (?, ?, ?, ?)'),
      mappedSeries: db.prepare<[string, string], { local_id: number; series_id: number }>(
        'SELECT local_id, series_id FROM outbox_series WHERE gateway_id = ? AND outbox_id = ?',
      ),
      stageSample: db.prepare('INSERT INTO samples_staged (series_id, time_ms, seq, value, quality, received_ms) VALUES (?, ?, ?, ?, ?, ?)'),
      upsertLatest: db.prepare(
        `INSERT INTO latest (series_id, time_ms, value, quality, received_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (series_id) DO UPDATE SET time_ms = excluded.time_ms, value = excluded.value, quality = excluded.quality, received_ms = excluded.received_ms
         WHERE excluded.time_ms >= latest.time_ms`,
      ),
      insertEvent: db.prepare('INSERT INTO events (gateway_id, seq, device, type, time_ms, received_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    };
    const transaction = db.transaction((batches: IngestBatch[], staged: StagedSample[]) => {
      const latest = new LatestSamples();
      const refused = new RefusedOutboxes();
      const results = batches.map((batch) => {
        const result = refused.earlier(batch) ?? this.commitOne(batch, latest, staged);
        refused.note(batch, result);
        return result;
      });
      for (const sample of latest.values()) {
        this.statements.upsertLatest.run(sample.seriesId, sample.timeMs, sample.value, sample.quality, sample.receivedMs);
      }
      return results;
    });
    this.commit = (batches) => {
      this.staging.assertRoom();
      const staged: StagedSample[] = [];
      const results = transaction(batches, staged);
      // Only now, after the commit: a rolled-back transaction's samples never become visible.
      this.staging.add(staged);
      this.staging.settleIfDue();
      stored.emit(staged);
      return results;
    };
  }

  private commitOne(batch: IngestBatch, latest: LatestSamples, staged: StagedSample[]): IngestResult {
    const s = this.statements;
    const received = batch.receivedAtMs;
    const opened = this.openGateway(batch);
    if (opened.refused !== undefined) return refusedResult(opened.watermark, opened.refused);
    if (opened.early !== undefined) return earlyResult(opened.watermark, opened.early);
    const { result, samples, events } = sortRecords(batch, opened.watermark, this.defineSeries(batch));
    for (const sample of samples) {
      s.stageSample.run(sample.seriesId, sample.timeMs, sample.seq, sample.value, sample.quality, sample.receivedMs);
      staged.push(sample);
      latest.offer(sample);
    }
    for (const event of events) this.insertEvent(event);
    s.upsertOutbox.run(batch.gatewayId, batch.outboxId, result.watermark, received, received);
    s.updateGateway.run(batch.enterpriseCode || null, batch.site || null, batch.outboxId, result.watermark, received, batch.sentAtMs - received, batch.gatewayId);
    return result;
  }

  private insertEvent(event: EventRow): void {
    this.statements.insertEvent.run(event.gatewayId, event.seq, event.device, event.type, event.timeMs, event.receivedMs, JSON.stringify(event.body));
    const report = deviceReportOf(event);
    if (report) this.deviceStatus.apply(report);
  }

  /**
   * The watermark of the batch's outbox; creates the gateway, or switches it to another outbox
   * (a reinstalled agent) once the current one has been silent long enough.
   */
  private openGateway(batch: IngestBatch): { watermark: number; refused?: string; early?: string } {
    const s = this.statements;
    const row = s.gateway.get(batch.gatewayId);
    const received = batch.receivedAtMs;
    const watermarkOf = (outboxId: string) => s.outboxWatermark.get(batch.gatewayId, outboxId)?.watermark ?? 0;
    const watermark = watermarkOf(batch.outboxId);
    // An early batch changes nothing, not even which outbox the gateway sends from.
    const early = earlyReason(batch, watermark);
    if (!row) {
      if (early !== undefined) return { watermark, early };
      s.insertGateway.run(batch.gatewayId, batch.enterpriseCode || null, batch.site || null, batch.outboxId, received, received, batch.sentAtMs - received);
      return { watermark };
    }
    const decision = decideOutbox(batch, { outboxId: row.outbox_id, lastSeenMs: row.last_seen_ms }, watermarkOf);
    if (decision.kind === 'refused') return { watermark, refused: decision.reason };
    if (early !== undefined) return { watermark, early };
    if (decision.kind === 'replaced') this.insertEvent(decision.event);
    return { watermark };
  }

  /** Applies the batch's series definitions; returns its outbox's local → hub id map. */
  private defineSeries(batch: IngestBatch): Map<number, number> {
    const cacheKey = outboxKey(batch);
    let ids = this.seriesIds.get(cacheKey);
    if (!ids) {
      ids = new Map(this.statements.mappedSeries.all(batch.gatewayId, batch.outboxId).map((row) => [row.local_id, row.series_id]));
      this.seriesIds.set(cacheKey, ids);
    }
    for (const definition of batch.series) {
      const row = this.statements.upsertSeries.get(
        definition.key,
        batch.gatewayId,
        definition.device,
        definition.point,
        definition.metric,
        definition.unit,
        definition.intervalMs,
        batch.receivedAtMs,
      )!;
      if (ids.get(definition.localId) !== row.id) {
        this.statements.mapSeries.run(batch.gatewayId, batch.outboxId, definition.localId, row.id);
        ids.set(definition.localId, row.id);
      }
    }
    return ids;
  }

  /** Drops cached ids after a failed transaction, whose mappings were rolled back. */
  forgetCache(): void {
    this.seriesIds.clear();
  }
}
