/**
 * The SQLite write path: every batch's records at or under its gateway's watermark are
 * skipped, the rest are stored, and the new watermark is written in the same transaction, so a
 * resent batch after any crash is harmless.
 */
import type Database from 'better-sqlite3';
import { Quality } from '@davy/proto';
import { isKnownQuality } from '../quality.js';
import type { IngestBatch, IngestResult } from '../store.js';
import { DeviceStatusWriter } from './device-status.js';
import type { SampleStaging, StagedSample } from './staging.js';

interface GatewayRow {
  outbox_id: string;
  last_seen_ms: number;
}

/**
 * A second outbox for a gateway id is taken for a reinstalled agent only once the first has
 * been silent this long; before, it is another agent sharing the id (a copied agent.yaml),
 * and letting both in would make each restart the other's watermark.
 */
export const gatewayTakeoverMs = 60_000;

interface LatestCandidate {
  timeMs: number;
  value: number | null;
  quality: number;
  receivedMs: number;
}

const maxReasons = 10;

export class SqliteIngest {
  /** gateway and outbox → (agent's local series id → hub series id), filled from outbox_series. */
  private readonly seriesIds = new Map<string, Map<number, number>>();
  private readonly statements;
  private readonly deviceStatus: DeviceStatusWriter;
  readonly commit: (batches: IngestBatch[]) => IngestResult[];

  constructor(
    db: Database.Database,
    private readonly staging: SampleStaging,
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
      const latest = new Map<number, LatestCandidate>();
      // Once a gateway's batch is refused, its later batches in this group are too: one of them
      // must never be stored (and move the watermark) ahead of a refused one.
      const refused = new Map<string, IngestResult>();
      const results = batches.map((batch) => {
        const outbox = `${batch.gatewayId}\u0000${batch.outboxId}`;
        const earlier = refused.get(outbox);
        if (earlier) return { ...earlier, rejections: [] };
        const result = this.commitOne(batch, latest, staged);
        if (result.refused) refused.set(outbox, result);
        return result;
      });
      for (const [seriesId, sample] of latest) {
        this.statements.upsertLatest.run(seriesId, sample.timeMs, sample.value, sample.quality, sample.receivedMs);
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
      return results;
    };
  }

  private commitOne(batch: IngestBatch, latest: Map<number, LatestCandidate>, staged: StagedSample[]): IngestResult {
    const s = this.statements;
    const received = batch.receivedAtMs;
    const opened = this.openGateway(batch);
    if (typeof opened !== 'number') return { watermark: opened.watermark, stored: 0, duplicates: 0, rejected: 0, rejections: [], refused: opened.refused };
    let watermark = opened;
    const previous = watermark;
    const seriesIds = this.defineSeries(batch);
    const result: IngestResult = { watermark, stored: 0, duplicates: 0, rejected: 0, rejections: [] };
    const reject = (seq: number, reason: string) => {
      result.rejected += 1;
      if (result.rejections.length < maxReasons) result.rejections.push(`record ${seq}: ${reason}`);
      watermark = Math.max(watermark, seq);
    };

    for (const record of batch.malformed) {
      if (record.seq > previous) reject(record.seq, record.reason);
    }

    const refusedSeries = new Map(batch.refusedSeries.map((refused) => [refused.localId, refused.reason]));
    const { seq, series, timeMs, value, quality } = batch.samples;
    for (let i = 0; i < seq.length; i += 1) {
      const recordSeq = seq[i]!;
      if (recordSeq <= previous) {
        result.duplicates += 1;
        continue;
      }
      const seriesId = seriesIds.get(series[i]!);
      const q = quality[i]!;
      const time = timeMs[i]!;
      const v = value[i]!;
      if (seriesId === undefined) {
        const refused = refusedSeries.get(series[i]!);
        reject(recordSeq, refused ? `sample of series ${series[i]}, refused: ${refused}` : `sample of series ${series[i]} which the gateway never defined`);
        continue;
      }
      if (!isKnownQuality(q)) {
        reject(recordSeq, `quality ${q} is not good (1), uncertain (2) or bad (3)`);
        continue;
      }
      if (q !== Quality.QUALITY_BAD && !Number.isFinite(v)) {
        reject(recordSeq, `value ${v} is not a finite number`);
        continue;
      }
      const stored = q === Quality.QUALITY_BAD ? null : v;
      s.stageSample.run(seriesId, time, recordSeq, stored, q, received);
      staged.push({ seriesId, timeMs: time, seq: recordSeq, value: stored, quality: q, receivedMs: received });
      const current = latest.get(seriesId);
      if (!current || time >= current.timeMs) latest.set(seriesId, { timeMs: time, value: stored, quality: q, receivedMs: received });
      result.stored += 1;
      watermark = Math.max(watermark, recordSeq);
    }

    for (const event of batch.events) {
      if (event.seq <= previous) {
        result.duplicates += 1;
        continue;
      }
      const body = parseBody(event.bodyJson);
      if (body === undefined) {
        reject(event.seq, `event ${event.type} has a body that is not a JSON object`);
        continue;
      }
      s.insertEvent.run(batch.gatewayId, event.seq, event.device || null, event.type, event.timeMs, received, JSON.stringify(body));
      this.deviceStatus.apply(batch.gatewayId, event.device, event.type, event.timeMs, body);
      result.stored += 1;
      watermark = Math.max(watermark, event.seq);
    }

    for (const gap of batch.gaps) {
      if (gap.seq <= previous) {
        result.duplicates += 1;
        continue;
      }
      const body = JSON.stringify({
        firstDroppedSeq: gap.firstDroppedSeq,
        lastDroppedSeq: gap.lastDroppedSeq,
        dropped: gap.dropped,
        firstTimeMs: gap.firstTimeMs,
        lastTimeMs: gap.lastTimeMs,
      });
      s.insertEvent.run(batch.gatewayId, gap.seq, null, 'outbox.gap', gap.firstTimeMs, received, body);
      result.stored += 1;
      watermark = Math.max(watermark, gap.seq);
    }

    if (result.rejected > 0) {
      const body = JSON.stringify({ rejected: result.rejected, reasons: result.rejections });
      s.insertEvent.run(batch.gatewayId, null, null, 'ingest.rejected', received, received, body);
    }
    s.upsertOutbox.run(batch.gatewayId, batch.outboxId, watermark, received, received);
    s.updateGateway.run(batch.enterpriseCode || null, batch.site || null, batch.outboxId, watermark, received, batch.sentAtMs - received, batch.gatewayId);
    result.watermark = watermark;
    return result;
  }

  /**
   * The watermark of the batch's outbox; creates the gateway, or switches it to another outbox
   * (a reinstalled agent) once the current one has been silent long enough.
   */
  private openGateway(batch: IngestBatch): number | { refused: string; watermark: number } {
    const s = this.statements;
    const row = s.gateway.get(batch.gatewayId);
    const received = batch.receivedAtMs;
    const watermark = s.outboxWatermark.get(batch.gatewayId, batch.outboxId)?.watermark ?? 0;
    if (!row) {
      s.insertGateway.run(batch.gatewayId, batch.enterpriseCode || null, batch.site || null, batch.outboxId, received, received, batch.sentAtMs - received);
      return watermark;
    }
    if (row.outbox_id === batch.outboxId) return watermark;
    const silentMs = received - row.last_seen_ms;
    if (silentMs < gatewayTakeoverMs) {
      return {
        watermark,
        refused:
          `gateway id ${batch.gatewayId} is in use by another agent (outbox ${row.outbox_id}, last seen ${Math.round(silentMs / 1000)} s ago): ` +
          `give this gateway its own id in agent.yaml; a reinstalled gateway is accepted once the old outbox has been silent for ${gatewayTakeoverMs / 1000} s`,
      };
    }
    // Say so: records of the old outbox that never arrived may be lost with it.
    const previous = s.outboxWatermark.get(batch.gatewayId, row.outbox_id)?.watermark ?? 0;
    const body = JSON.stringify({ previousOutboxId: row.outbox_id, previousWatermark: previous, outboxId: batch.outboxId, watermark });
    s.insertEvent.run(batch.gatewayId, null, null, 'gateway.outbox_replaced', received, received, body);
    return watermark;
  }

  /** Applies the batch's series definitions; returns its outbox's local → hub id map. */
  private defineSeries(batch: IngestBatch): Map<number, number> {
    const cacheKey = `${batch.gatewayId}\u0000${batch.outboxId}`;
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

function parseBody(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json === '' ? '{}' : json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
