/**
 * The PostgreSQL write path. A group of batches is one transaction on one connection:
 *
 * 1. the group's gateway rows are locked (created if new), in id order. Batches of one gateway
 *    — whichever hub replica holds them — serialize on that lock, and every read of its
 *    watermarks and outbox after it sees what the last commit wrote; the id order keeps two
 *    replicas locking overlapping groups from deadlocking;
 * 2. the series the group defines are applied, and each batch is sorted against its outbox's
 *    watermark by the rules every engine shares (batch-records.ts, outbox-takeover.ts), in
 *    order, on the state the transaction holds;
 * 3. the new rows go in — the samples by COPY, tagged with the commit's row in fold_queue (the
 *    fold adds them into the rollups and `latest` later, see rollups.ts), the events and device
 *    states — and the outboxes' watermarks and the gateways with them; then COMMIT.
 *
 * A failed commit stores nothing and moves no watermark: the gateway resends and the records
 * are sorted again.
 */
import type pg from 'pg';
import { sortRecords, type EventRow, type SampleRow } from '../batch-records.js';
import { deviceReportOf } from '../device-report.js';
import { earlyReason, earlyResult, watermarkAfter } from '../batch-order.js';
import { decideOutbox, outboxKey, RefusedOutboxes, refusedResult, type GatewayOutbox } from '../outbox-takeover.js';
import type { IngestBatch, IngestResult } from '../store.js';
import { writeDeviceReport } from './device-status.js';
import type { Partitions } from './partitions.js';
import { inTransaction } from './pool.js';
import { copySamples } from './sample-copy.js';
import { storableBatch } from '../storable-text.js';
import type { StoredSamples } from '../stored-samples.js';

/** A gateway's row as the group leaves it. */
interface GatewayUpdate {
  id: string;
  enterpriseCode: string | null;
  site: string | null;
  outboxId: string;
  watermark: number;
  lastSeenMs: number;
  clockSkewMs: number;
}

/** An outbox's watermark as the group leaves it. */
interface OutboxUpdate {
  gatewayId: string;
  outboxId: string;
  watermark: number;
  firstSeenMs: number;
  lastSeenMs: number;
}

/** What one group's transaction writes, gathered while its batches are sorted. */
class GroupWrites {
  readonly samples: SampleRow[] = [];
  readonly events: EventRow[] = [];
  readonly outboxes = new Map<string, OutboxUpdate>();
  readonly gateways = new Map<string, GatewayUpdate>();
  minTimeMs = Infinity;
  maxTimeMs = -Infinity;

  addSamples(samples: SampleRow[]): void {
    for (const sample of samples) {
      this.samples.push(sample);
      this.minTimeMs = Math.min(this.minTimeMs, sample.timeMs);
      this.maxTimeMs = Math.max(this.maxTimeMs, sample.timeMs);
    }
  }
}

export class PostgresIngest {
  /** gateway and outbox → (agent's local series id → hub series id), filled from outbox_series. */
  private readonly seriesIds = new Map<string, Map<number, number>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: Partitions,
    private readonly stored: StoredSamples,
    /** Told each commit's id with its samples, after the commit (the alarm lead need not read its own back). */
    private readonly committed: (commitId: number, samples: SampleRow[]) => void,
  ) {}

  async commit(received: IngestBatch[]): Promise<IngestResult[]> {
    const batches = received.map(storableBatch);
    try {
      // Before the transaction: partition DDL must not hold locks a concurrent ingest waits on.
      await this.partitions.ensure(sampleTimes(batches));
      const { results, samples, commitId } = await inTransaction(this.pool, (client) => this.commitGroup(client, batches));
      if (commitId !== undefined) this.committed(commitId, samples);
      this.stored.emit(samples);
      return results;
    } catch (error) {
      // Rolled back: mappings cached in it are gone, and a partition may have been dropped meanwhile.
      this.seriesIds.clear();
      this.partitions.forget();
      throw error;
    }
  }

  private async commitGroup(client: pg.PoolClient, batches: IngestBatch[]): Promise<{ results: IngestResult[]; samples: SampleRow[]; commitId: number | undefined }> {
    const gateways = await lockGateways(client, batches);
    const watermarks = await outboxWatermarks(client, [...gateways.keys()]);
    // All series the group defines in one statement (a gateway's first batch defines thousands).
    const seriesIds = await this.defineSeries(client, takenBatches(batches, gateways, watermarks));
    const writes = new GroupWrites();
    const refused = new RefusedOutboxes();
    const results = batches.map((batch) => {
      const result = refused.earlier(batch) ?? sortBatch(batch, gateways, watermarks, seriesIds.get(batch) ?? new Map(), writes);
      refused.note(batch, result);
      return result;
    });
    const commitId = await writeSamples(client, writes);
    await writeEvents(client, writes.events);
    for (const event of writes.events) {
      const report = deviceReportOf(event);
      if (report) await writeDeviceReport(client, report);
    }
    await writeOutboxes(client, [...writes.outboxes.values()]);
    await writeGateways(client, [...writes.gateways.values()]);
    return { results, samples: writes.samples, commitId };
  }

  /**
   * Applies the series definitions of the batches taken, all in one statement, and returns the
   * local → hub id map each batch sees: its outbox's ids with the definitions of the batches up
   * to and including it — the ids applying them one batch at a time would give.
   */
  private async defineSeries(client: pg.PoolClient, batches: IngestBatch[]): Promise<Map<IngestBatch, Map<number, number>>> {
    await this.loadSeriesIds(client, batches);
    const byKey = new Map<string, { gatewayId: string; createdMs: number; definition: IngestBatch['series'][number] }>();
    for (const batch of batches) {
      for (const definition of batch.series) {
        // The last definition of a key wins; the series was made when first defined.
        byKey.set(definition.key, { gatewayId: batch.gatewayId, createdMs: byKey.get(definition.key)?.createdMs ?? batch.receivedAtMs, definition });
      }
    }
    const idOfKey = new Map<string, number>();
    if (byKey.size > 0) {
      const defined = [...byKey.values()];
      const { rows } = await client.query<{ id: number; key: string }>(
        `INSERT INTO series (key, gateway_id, device, point, metric, unit, interval_ms, created_ms)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], $8::int8[])
         ON CONFLICT (key) DO UPDATE SET metric = excluded.metric, unit = excluded.unit, interval_ms = excluded.interval_ms
         RETURNING id, key`,
        [
          ...(['key', 'gatewayId', 'device', 'point', 'metric', 'unit'] as const).map((field) => defined.map((d) => (field === 'gatewayId' ? d.gatewayId : d.definition[field]))),
          defined.map((d) => d.definition.intervalMs),
          defined.map((d) => d.createdMs),
        ],
      );
      for (const row of rows) idOfKey.set(row.key, row.id);
    }
    const seen = new Map<IngestBatch, Map<number, number>>();
    const changed = new Map<string, { batch: IngestBatch; localId: number; seriesId: number }>();
    for (const batch of batches) {
      const key = outboxKey(batch);
      let ids = this.seriesIds.get(key)!;
      if (batch.series.length > 0) {
        // A copy: the batches before this one keep the ids of their turn.
        ids = new Map(ids);
        for (const definition of batch.series) {
          const seriesId = idOfKey.get(definition.key)!;
          if (ids.get(definition.localId) !== seriesId) changed.set(`${key}\u0000${definition.localId}`, { batch, localId: definition.localId, seriesId });
          ids.set(definition.localId, seriesId);
        }
        this.seriesIds.set(key, ids);
      }
      seen.set(batch, ids);
    }
    if (changed.size > 0) {
      const mappings = [...changed.values()];
      await client.query(
        `INSERT INTO outbox_series (gateway_id, outbox_id, local_id, series_id) SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::int4[])
         ON CONFLICT (gateway_id, outbox_id, local_id) DO UPDATE SET series_id = excluded.series_id`,
        [mappings.map((m) => m.batch.gatewayId), mappings.map((m) => m.batch.outboxId), mappings.map((m) => m.localId), mappings.map((m) => m.seriesId)],
      );
    }
    return seen;
  }

  /**
   * Reads the id maps of the batches' outboxes that are not cached yet, or whose cached map lacks
   * a series their samples use: another hub replica may have stored the batch that defined it
   * (read here under the gateway's lock, so its commit is visible).
   */
  private async loadSeriesIds(client: pg.PoolClient, batches: IngestBatch[]): Promise<void> {
    const byOutbox = new Map<string, IngestBatch[]>();
    for (const batch of batches) byOutbox.set(outboxKey(batch), [...(byOutbox.get(outboxKey(batch)) ?? []), batch]);
    const uncached = [...byOutbox.entries()].filter(([key, group]) => !this.seriesIds.has(key) || usesUnknownSeries(group, this.seriesIds.get(key)!)).map(([, group]) => group[0]!);
    if (uncached.length === 0) return;
    const { rows } = await client.query<{ gateway_id: string; outbox_id: string; local_id: number; series_id: number }>(
      `SELECT m.gateway_id, m.outbox_id, m.local_id, m.series_id FROM outbox_series m
       JOIN unnest($1::text[], $2::text[]) AS o (gateway_id, outbox_id) ON o.gateway_id = m.gateway_id AND o.outbox_id = m.outbox_id`,
      [uncached.map((b) => b.gatewayId), uncached.map((b) => b.outboxId)],
    );
    for (const batch of uncached) this.seriesIds.set(outboxKey(batch), new Map());
    for (const row of rows) this.seriesIds.get(outboxKey({ gatewayId: row.gateway_id, outboxId: row.outbox_id }))!.set(row.local_id, row.series_id);
  }
}

/**
 * The batches of the group that will be taken: each decided against its gateway as the batches
 * before it leave it, exactly as sortBatch decides them afterwards, so that a refused agent's
 * series definitions are never applied.
 */
function takenBatches(batches: IngestBatch[], stored: Map<string, GatewayOutbox>, storedWatermarks: Map<string, number>): IngestBatch[] {
  const gateways = new Map(stored);
  const watermarks = new Map(storedWatermarks);
  const refused = new RefusedOutboxes();
  return batches.filter((batch) => {
    if (refused.earlier(batch)) return false;
    const decision = decideOutbox(batch, gateways.get(batch.gatewayId), () => 0);
    if (decision.kind === 'refused') {
      refused.note(batch, refusedResult(0, decision.reason));
      return false;
    }
    const key = outboxKey(batch);
    const previous = watermarks.get(key) ?? 0;
    if (earlyReason(batch, previous) !== undefined) return false;
    watermarks.set(key, watermarkAfter(batch, previous));
    gateways.set(batch.gatewayId, { outboxId: batch.outboxId, lastSeenMs: batch.receivedAtMs });
    return true;
  });
}

/** One batch against the group's state so far, as if the batches before it had been committed. */
function sortBatch(batch: IngestBatch, gateways: Map<string, GatewayOutbox>, watermarks: Map<string, number>, seriesIds: Map<number, number>, writes: GroupWrites): IngestResult {
  const received = batch.receivedAtMs;
  const watermarkOf = (outboxId: string) => watermarks.get(outboxKey({ gatewayId: batch.gatewayId, outboxId })) ?? 0;
  const previous = watermarkOf(batch.outboxId);
  const decision = decideOutbox(batch, gateways.get(batch.gatewayId), watermarkOf);
  if (decision.kind === 'refused') return refusedResult(previous, decision.reason);
  const early = earlyReason(batch, previous);
  if (early !== undefined) return earlyResult(previous, early);
  if (decision.kind === 'replaced') writes.events.push(decision.event);

  const { result, samples, events } = sortRecords(batch, previous, seriesIds);
  writes.addSamples(samples);
  writes.events.push(...events);
  const key = outboxKey(batch);
  watermarks.set(key, result.watermark);
  const outbox = writes.outboxes.get(key);
  writes.outboxes.set(key, { gatewayId: batch.gatewayId, outboxId: batch.outboxId, watermark: result.watermark, firstSeenMs: outbox?.firstSeenMs ?? received, lastSeenMs: received });
  gateways.set(batch.gatewayId, { outboxId: batch.outboxId, lastSeenMs: received });
  writes.gateways.set(batch.gatewayId, {
    id: batch.gatewayId,
    enterpriseCode: batch.enterpriseCode || null,
    site: batch.site || null,
    outboxId: batch.outboxId,
    watermark: result.watermark,
    lastSeenMs: received,
    clockSkewMs: batch.sentAtMs - received,
  });
  return result;
}

function* sampleTimes(batches: IngestBatch[]): Generator<number> {
  for (const batch of batches) yield* batch.samples.timeMs;
}

/**
 * Locks the group's gateways (creating the new ones from their first batch) in id order and
 * returns each one's current outbox. The no-op update is what takes the lock on a row that exists.
 */
async function lockGateways(client: pg.PoolClient, batches: IngestBatch[]): Promise<Map<string, GatewayOutbox>> {
  const firsts = new Map<string, IngestBatch>();
  for (const batch of batches) if (!firsts.has(batch.gatewayId)) firsts.set(batch.gatewayId, batch);
  const ordered = [...firsts.values()].sort((a, b) => (a.gatewayId < b.gatewayId ? -1 : 1));
  const { rows } = await client.query<{ id: string; outbox_id: string; last_seen_ms: number }>(
    `INSERT INTO gateways AS g (id, enterprise_code, site, outbox_id, watermark, first_seen_ms, last_seen_ms, clock_skew_ms)
     SELECT n.id, n.enterprise_code, n.site, n.outbox_id, 0, n.seen_ms, n.seen_ms, n.skew_ms
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[]) WITH ORDINALITY AS n (id, enterprise_code, site, outbox_id, seen_ms, skew_ms, position)
     ORDER BY n.position
     ON CONFLICT (id) DO UPDATE SET outbox_id = g.outbox_id
     RETURNING id, outbox_id, last_seen_ms`,
    [
      ordered.map((b) => b.gatewayId),
      ordered.map((b) => b.enterpriseCode || null),
      ordered.map((b) => b.site || null),
      ordered.map((b) => b.outboxId),
      ordered.map((b) => b.receivedAtMs),
      ordered.map((b) => b.sentAtMs - b.receivedAtMs),
    ],
  );
  return new Map(rows.map((row) => [row.id, { outboxId: row.outbox_id, lastSeenMs: row.last_seen_ms }]));
}

/** Every watermark of the gateways' outboxes, read under their locks. */
async function outboxWatermarks(client: pg.PoolClient, gatewayIds: string[]): Promise<Map<string, number>> {
  const { rows } = await client.query<{ gateway_id: string; outbox_id: string; watermark: number }>(
    'SELECT gateway_id, outbox_id, watermark FROM outboxes WHERE gateway_id = ANY($1::text[])',
    [gatewayIds],
  );
  return new Map(rows.map((row) => [outboxKey({ gatewayId: row.gateway_id, outboxId: row.outbox_id }), row.watermark]));
}

/**
 * The commit's samples, its row in fold_queue that tags them until the fold has taken them,
 * and its row in stored_queue until the alarm rules have (shared-stored.ts). The commit id is
 * drawn under the gateways' locks, so one gateway's commits are numbered in their order.
 */
async function writeSamples(client: pg.PoolClient, writes: GroupWrites): Promise<number | undefined> {
  if (writes.samples.length === 0) return undefined;
  const { rows } = await client.query<{ commit_id: number }>('INSERT INTO fold_queue (min_time_ms, max_time_ms, samples) VALUES ($1, $2, $3) RETURNING commit_id', [
    writes.minTimeMs,
    writes.maxTimeMs,
    writes.samples.length,
  ]);
  const commitId = rows[0]!.commit_id;
  await client.query('INSERT INTO stored_queue (commit_id, min_time_ms, max_time_ms) VALUES ($1, $2, $3)', [commitId, writes.minTimeMs, writes.maxTimeMs]);
  await copySamples(client, writes.samples, commitId);
  return commitId;
}

/** Events in the order given, so their ids (newest first in the API) keep it. */
async function writeEvents(client: pg.PoolClient, events: EventRow[]): Promise<void> {
  if (events.length === 0) return;
  await client.query(
    `INSERT INTO events (gateway_id, seq, device, type, time_ms, received_ms, body)
     SELECT gateway_id, seq, device, type, time_ms, received_ms, body
     FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::json[]) WITH ORDINALITY AS e (gateway_id, seq, device, type, time_ms, received_ms, body, position)
     ORDER BY e.position`,
    [
      events.map((e) => e.gatewayId),
      events.map((e) => e.seq),
      events.map((e) => e.device),
      events.map((e) => e.type),
      events.map((e) => e.timeMs),
      events.map((e) => e.receivedMs),
      events.map((e) => JSON.stringify(e.body)),
    ],
  );
}

async function writeOutboxes(client: pg.PoolClient, outboxes: OutboxUpdate[]): Promise<void> {
  if (outboxes.length === 0) return;
  await client.query(
    `INSERT INTO outboxes (gateway_id, outbox_id, watermark, first_seen_ms, last_seen_ms)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int8[])
     ON CONFLICT (gateway_id, outbox_id) DO UPDATE SET watermark = excluded.watermark, last_seen_ms = excluded.last_seen_ms`,
    [outboxes.map((o) => o.gatewayId), outboxes.map((o) => o.outboxId), outboxes.map((o) => o.watermark), outboxes.map((o) => o.firstSeenMs), outboxes.map((o) => o.lastSeenMs)],
  );
}

async function writeGateways(client: pg.PoolClient, gateways: GatewayUpdate[]): Promise<void> {
  if (gateways.length === 0) return;
  await client.query(
    `UPDATE gateways g SET enterprise_code = u.enterprise_code, site = u.site, outbox_id = u.outbox_id, watermark = u.watermark,
       last_seen_ms = u.last_seen_ms, clock_skew_ms = u.clock_skew_ms
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[]) AS u (id, enterprise_code, site, outbox_id, watermark, last_seen_ms, clock_skew_ms)
     WHERE g.id = u.id`,
    [
      gateways.map((g) => g.id),
      gateways.map((g) => g.enterpriseCode),
      gateways.map((g) => g.site),
      gateways.map((g) => g.outboxId),
      gateways.map((g) => g.watermark),
      gateways.map((g) => g.lastSeenMs),
      gateways.map((g) => g.clockSkewMs),
    ],
  );
}

/** Whether a sample of the batches names a local series id neither `known` nor defined by one of them. */
function usesUnknownSeries(batches: IngestBatch[], known: ReadonlyMap<number, number>): boolean {
  const defined = new Set(batches.flatMap((batch) => batch.series.map((definition) => definition.localId)));
  return batches.some((batch) => batch.samples.series.some((localId) => !known.has(localId) && !defined.has(localId)));
}
