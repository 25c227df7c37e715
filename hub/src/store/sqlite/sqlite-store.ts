/**
 * The embedded store: one SQLite file (WAL). Acks promise durability, so commits are synced
 * (synchronous=FULL): a power cut after an ack must not lose what the agent has deleted.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '@davy/runtime';
import { qualityName } from '../quality.js';
import type {
  ArrivalQuery,
  Arrivals,
  Bucket,
  BucketQuery,
  DeviceFilter,
  DeviceStatus,
  EventQuery,
  GatewayInfo,
  IngestBatch,
  IngestResult,
  LatestValue,
  RawPoint,
  RawQuery,
  SeriesFilter,
  SeriesInfo,
  Store,
  StoredEvent,
  TokenDigest,
} from '../store.js';
import { bucketGrid } from '../bucket-grid.js';
import { StoredSamples, type StoredSamplesListener } from '../stored-samples.js';
import { SqliteIngest } from './ingest.js';
import { migrate } from './migrations.js';
import { SampleStaging } from './staging.js';

/** What a bucket holds so far; settled rows and staged samples add into one. */
interface BucketPartial {
  count: number;
  sum: number;
  min: number;
  max: number;
  lastTimeMs: number;
  last: number | null;
}

function addToPartial(partials: Map<number, BucketPartial>, bucket: number, timeMs: number, value: number): void {
  const partial = partials.get(bucket);
  if (!partial) {
    partials.set(bucket, { count: 1, sum: value, min: value, max: value, lastTimeMs: timeMs, last: value });
    return;
  }
  partial.count += 1;
  partial.sum += value;
  partial.min = Math.min(partial.min, value);
  partial.max = Math.max(partial.max, value);
  if (timeMs >= partial.lastTimeMs) {
    partial.lastTimeMs = timeMs;
    partial.last = value;
  }
}

function finish(partial: BucketPartial, agg: BucketQuery['agg']): number | null {
  switch (agg) {
    case 'avg':
      return partial.sum / partial.count;
    case 'min':
      return partial.min;
    case 'max':
      return partial.max;
    case 'sum':
      return partial.sum;
    case 'count':
      return partial.count;
    case 'last':
      return partial.last;
  }
}

interface SeriesRow {
  id: number;
  key: string;
  gateway_id: string;
  device: string;
  point: string;
  metric: string;
  unit: string;
  interval_ms: number;
}

const seriesColumns = 's.id, s.key, s.gateway_id, s.device, s.point, s.metric, s.unit, s.interval_ms';

function toSeries(row: SeriesRow): SeriesInfo {
  return {
    id: row.id,
    key: row.key,
    gatewayId: row.gateway_id,
    device: row.device,
    point: row.point,
    metric: row.metric,
    unit: row.unit,
    intervalMs: row.interval_ms,
  };
}

/** WHERE clauses and parameters for a series filter over table alias `s`. */
function seriesWhere(filter: SeriesFilter): { sql: string; params: string[] } {
  const clauses: string[] = [];
  const params: string[] = [];
  if (filter.gatewayId !== undefined) {
    clauses.push('s.gateway_id = ?');
    params.push(filter.gatewayId);
  }
  if (filter.metric !== undefined) {
    clauses.push('s.metric = ?');
    params.push(filter.metric);
  }
  if (filter.device !== undefined) {
    clauses.push('s.device = ?');
    params.push(filter.device);
  }
  return { sql: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export interface SqliteStoreOptions {
  /** synchronous=FULL (default) or NORMAL (faster; a power cut may lose acked batches). */
  sync?: 'full' | 'normal';
  /** Staged samples that trigger a settle into the clustered table (see staging.ts). */
  settleAt?: number;
  /** After a failed settle, wait this long before the next attempt. */
  settleRetryMs?: number;
  log?: Logger;
}

export class SqliteStore implements Store {
  private readonly writer: SqliteIngest;
  private readonly staging: SampleStaging;
  private readonly stored = new StoredSamples();
  private readonly prepared = new Map<string, Database.Statement>();

  private constructor(
    private readonly db: Database.Database,
    options: SqliteStoreOptions,
  ) {
    this.staging = new SampleStaging(db, { settleAt: options.settleAt ?? 200_000, retryMs: options.settleRetryMs ?? 5_000, log: options.log });
    this.writer = new SqliteIngest(db, this.staging, this.stored);
  }

  static open(file: string, options: SqliteStoreOptions = {}): SqliteStore {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.sync === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('cache_size = -131072'); // 128 MiB: the hot pages of every series' newest leaf
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return new SqliteStore(db, options);
  }

  /** A prepared statement for `text`, prepared once: queries are few and repeat. */
  private sql(text: string): Database.Statement {
    let statement = this.prepared.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.prepared.set(text, statement);
    }
    return statement;
  }

  onStored(listener: StoredSamplesListener): void {
    this.stored.add(listener);
  }

  async ingest(batches: IngestBatch[]): Promise<IngestResult[]> {
    try {
      return this.writer.commit(batches);
    } catch (error) {
      this.writer.forgetCache();
      throw error;
    }
  }

  async gateways(): Promise<GatewayInfo[]> {
    const rows = this
      .sql('SELECT id, enterprise_code, site, watermark, first_seen_ms, last_seen_ms, clock_skew_ms FROM gateways ORDER BY id')
      .all() as Array<{ id: string; enterprise_code: string | null; site: string | null; watermark: number; first_seen_ms: number; last_seen_ms: number; clock_skew_ms: number | null }>;
    return rows.map((row) => ({
      id: row.id,
      enterpriseCode: row.enterprise_code,
      site: row.site,
      watermark: row.watermark,
      firstSeenMs: row.first_seen_ms,
      lastSeenMs: row.last_seen_ms,
      clockSkewMs: row.clock_skew_ms,
    }));
  }

  async series(filter: SeriesFilter): Promise<SeriesInfo[]> {
    const where = seriesWhere(filter);
    const rows = this.sql(`SELECT ${seriesColumns} FROM series s ${where.sql} ORDER BY s.key`).all(...where.params) as SeriesRow[];
    return rows.map(toSeries);
  }

  async seriesByKey(key: string): Promise<SeriesInfo | undefined> {
    const row = this.sql(`SELECT ${seriesColumns} FROM series s WHERE s.key = ?`).get(key) as SeriesRow | undefined;
    return row ? toSeries(row) : undefined;
  }

  async latest(filter: SeriesFilter): Promise<LatestValue[]> {
    const where = seriesWhere(filter);
    const rows = this
      .sql(`SELECT ${seriesColumns}, l.time_ms, l.value, l.quality, l.received_ms FROM latest l JOIN series s ON s.id = l.series_id ${where.sql} ORDER BY s.key`)
      .all(...where.params) as Array<SeriesRow & { time_ms: number; value: number | null; quality: number; received_ms: number }>;
    return rows.map((row) => ({
      series: toSeries(row),
      timeMs: row.time_ms,
      value: row.value,
      quality: qualityName(row.quality),
      receivedMs: row.received_ms,
    }));
  }

  async devices(filter: DeviceFilter): Promise<DeviceStatus[]> {
    // Every device with series or a reported state, with its last report.
    const rows = this.sql(
      `WITH known AS (
         SELECT gateway_id, device, COUNT(*) AS series FROM series GROUP BY gateway_id, device
         UNION ALL SELECT gateway_id, device, 0 FROM device_status
       ), devices AS (SELECT gateway_id, device, SUM(series) AS series FROM known GROUP BY gateway_id, device)
       SELECT d.gateway_id, d.device, d.series, COALESCE(s.state, 'unknown') AS state, s.state_since_ms, s.reason, s.last_good_read_ms,
              s.reads, s.errors, s.last_error, s.reported_ms
       FROM devices d LEFT JOIN device_status s ON s.gateway_id = d.gateway_id AND s.device = d.device
       WHERE (? IS NULL OR d.gateway_id = ?) AND (? IS NULL OR COALESCE(s.state, 'unknown') = ?)
       ORDER BY d.gateway_id, d.device`,
    ).all(filter.gatewayId ?? null, filter.gatewayId ?? null, filter.state ?? null, filter.state ?? null) as Array<{
      gateway_id: string;
      device: string;
      series: number;
      state: string;
      state_since_ms: number | null;
      reason: string | null;
      last_good_read_ms: number | null;
      reads: number | null;
      errors: string | null;
      last_error: string | null;
      reported_ms: number | null;
    }>;
    return rows.map((row) => ({
      gatewayId: row.gateway_id,
      device: row.device,
      state: row.state,
      stateSinceMs: row.state_since_ms,
      reason: row.reason,
      lastGoodReadMs: row.last_good_read_ms,
      reads: row.reads,
      errors: row.errors ? (JSON.parse(row.errors) as Record<string, number>) : {},
      lastError: row.last_error,
      reportedMs: row.reported_ms,
      series: row.series,
    }));
  }

  async history(query: BucketQuery): Promise<Bucket[]> {
    const { stepMs, alignMs } = query;
    const bucketOf = (timeMs: number) => alignMs + Math.floor((timeMs - alignMs) / stepMs) * stepMs;
    const partials = new Map<number, BucketPartial>();
    // CAST: better-sqlite3 binds numbers as REAL, and bucket arithmetic must be integral.
    const start = '(CAST(? AS INTEGER) + ((time_ms - CAST(? AS INTEGER)) / CAST(? AS INTEGER)) * CAST(? AS INTEGER))';
    const range = 'FROM samples WHERE series_id = ? AND time_ms >= ? AND time_ms < ? AND value IS NOT NULL GROUP BY start';
    const params = [alignMs, alignMs, stepMs, stepMs, query.seriesId, query.fromMs, query.toMs];
    const settled = this
      .sql(`SELECT ${start} AS start, COUNT(value) AS count, SUM(value) AS sum, MIN(value) AS min, MAX(value) AS max ${range}`)
      .all(...params) as Array<{ start: number; count: number; sum: number; min: number; max: number }>;
    for (const row of settled) partials.set(row.start, { ...row, lastTimeMs: -Infinity, last: null });
    if (query.agg === 'last') {
      // SQLite takes the bare column `value` from the row holding MAX(time_ms).
      const lasts = this.sql(`SELECT ${start} AS start, MAX(time_ms) AS time, value ${range}`).all(...params) as Array<{ start: number; time: number; value: number }>;
      for (const row of lasts) Object.assign(partials.get(row.start)!, { lastTimeMs: row.time, last: row.value });
    }
    for (const sample of this.staging.samplesOf(query.seriesId, query.fromMs, query.toMs)) {
      if (sample.value !== null) addToPartial(partials, bucketOf(sample.timeMs), sample.timeMs, sample.value);
    }
    const found = new Map([...partials].map(([start, partial]) => [start, { startMs: start, value: finish(partial, query.agg), count: partial.count }]));
    return bucketGrid(query, found);
  }

  async arrivals(query: ArrivalQuery): Promise<Arrivals> {
    // The samples history's count counts: settled and staged alike, bad ones (no value) left out.
    const settled = this
      .sql(
        `SELECT COUNT(*) AS received, COALESCE(SUM(received_ms - time_ms > ?), 0) AS late FROM samples
         WHERE series_id = ? AND time_ms >= ? AND time_ms < ? AND value IS NOT NULL`,
      )
      .get(query.lateAfterMs, query.seriesId, query.fromMs, query.toMs) as { received: number; late: number };
    let { received, late } = settled;
    for (const sample of this.staging.samplesOf(query.seriesId, query.fromMs, query.toMs)) {
      if (sample.value === null) continue;
      received += 1;
      if (sample.receivedMs - sample.timeMs > query.lateAfterMs) late += 1;
    }
    return { received, late };
  }

  async rawPoints(query: RawQuery): Promise<RawPoint[]> {
    const after = query.after ?? { timeMs: query.fromMs - 1, seq: Number.MAX_SAFE_INTEGER };
    const settled = this
      .sql(
        `SELECT time_ms AS timeMs, seq, value, quality, received_ms AS receivedMs FROM samples
         WHERE series_id = ? AND time_ms >= ? AND time_ms < ? AND (time_ms, seq) > (?, ?)
         ORDER BY time_ms, seq LIMIT ?`,
      )
      .all(query.seriesId, query.fromMs, query.toMs, after.timeMs, after.seq, query.limit) as Array<Omit<RawPoint, 'quality'> & { quality: number }>;
    const staged = this.staging
      .samplesOf(query.seriesId, query.fromMs, query.toMs)
      .filter((sample) => sample.timeMs > after.timeMs || (sample.timeMs === after.timeMs && sample.seq > after.seq));
    return [...settled, ...staged]
      .sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq)
      .slice(0, query.limit)
      .map((row) => ({ timeMs: row.timeMs, seq: row.seq, value: row.value, quality: qualityName(row.quality), receivedMs: row.receivedMs }));
  }

  async events(query: EventQuery): Promise<StoredEvent[]> {
    const clauses: string[] = [];
    const params: Array<string | number> = [];
    const add = (sql: string, value: string | number | undefined) => {
      if (value === undefined) return;
      clauses.push(sql);
      params.push(value);
    };
    add('gateway_id = ?', query.gatewayId);
    if (query.gatewayIds !== undefined) {
      clauses.push(`gateway_id IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(query.gatewayIds));
    }
    add('device = ?', query.device);
    add('type = ?', query.type);
    add('time_ms >= ?', query.fromMs);
    add('time_ms < ?', query.toMs);
    add('id < ?', query.beforeId);
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const rows = this
      .sql(`SELECT id, gateway_id, device, type, time_ms, received_ms, body FROM events ${where} ORDER BY id DESC LIMIT ?`)
      .all(...params, query.limit) as Array<{ id: number; gateway_id: string; device: string | null; type: string; time_ms: number; received_ms: number; body: string }>;
    return rows.map((row) => ({
      id: row.id,
      gatewayId: row.gateway_id,
      device: row.device,
      type: row.type,
      timeMs: row.time_ms,
      receivedMs: row.received_ms,
      body: JSON.parse(row.body) as Record<string, unknown>,
    }));
  }

  async tokenDigests(): Promise<TokenDigest[]> {
    return this.sql('SELECT label, sha256 AS sha256Hex FROM api_tokens ORDER BY id').all() as TokenDigest[];
  }

  async replaceTokenDigests(tokens: TokenDigest[]): Promise<void> {
    const insert = this.sql('INSERT INTO api_tokens (label, sha256, created_ms) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      this.sql('DELETE FROM api_tokens').run();
      for (const token of tokens) insert.run(token.label, token.sha256Hex, Date.now());
    })();
  }

  async hasTokenDigest(sha256Hex: string): Promise<boolean> {
    return this.sql('SELECT 1 FROM api_tokens WHERE sha256 = ?').get(sha256Hex) !== undefined;
  }

  async close(): Promise<void> {
    // Settling now spares the next start the work; if it fails, the next start settles.
    this.staging.settleIfDue(Number.POSITIVE_INFINITY, true);
    this.db.close();
  }
}
