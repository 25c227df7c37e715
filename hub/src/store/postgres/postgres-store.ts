/**
 * The PostgreSQL store, for a province: samples partitioned by day and appended by COPY,
 * 1-minute and 1-hour rollups and latest values folded from them, retention by dropping whole
 * partitions, and a write path that stays exactly once with several hub replicas on one
 * database. See README.md beside it.
 */
import type pg from 'pg';
import { createLogger, type Logger } from '@davy/runtime';
import type { ArrivalQuery, BucketQuery, DeviceFilter, EventQuery, IngestBatch, RawQuery, SeriesFilter, Store, TokenDigest } from '../store.js';
import { arrivals } from './arrivals.js';
import { history } from './history.js';
import { PostgresIngest } from './ingest.js';
import { migrate } from './migrate.js';
import { Partitions } from './partitions.js';
import { createPool, inTransaction } from './pool.js';
import { PostgresQueries } from './queries.js';
import { PartitionUpkeep } from './retention.js';
import { RollupFold } from './rollups.js';
import { StoredSamples, type StoredSamplesListener } from '../stored-samples.js';
import { PostgresSharedStored, type SharedStoredOptions } from './shared-stored.js';

export interface PostgresStoreOptions {
  /** Whole days of raw samples (and 1-minute rollups) kept before today; default: everything. */
  retentionDays?: number;
  /** Days after today whose partitions are made ahead (default 7). */
  aheadDays?: number;
  /** How often partitions are made ahead and retention applied (default 1 h). */
  upkeepIntervalMs?: number;
  /** How often committed samples are folded into the rollups and `latest` (default 30 s). */
  foldIntervalMs?: number;
  /** How the alarm lead among replicas is taken and how often it looks for commits. */
  sharedStored?: SharedStoredOptions;
  log?: Logger;
}

export class PostgresStore implements Store {
  private readonly writer: PostgresIngest;
  private readonly queries: PostgresQueries;
  private closed = false;
  private readonly stored = new StoredSamples();
  /** The commit under way, which close() lets finish. */
  private committing: Promise<unknown> = Promise.resolve();

  readonly sharedStored: PostgresSharedStored;

  private constructor(
    readonly pool: pg.Pool,
    readonly partitions: Partitions,
    readonly upkeep: PartitionUpkeep,
    readonly fold: RollupFold,
    log: Logger,
    sharedStored: SharedStoredOptions,
  ) {
    this.sharedStored = new PostgresSharedStored(pool, log, sharedStored);
    // The lead, if it is this replica, takes its own commits at once, without reading them back.
    this.writer = new PostgresIngest(pool, partitions, this.stored, (commitId, samples) => this.sharedStored.committed(commitId, samples));
    this.queries = new PostgresQueries(pool);
  }

  /** Connects, applies the migrations the database lacks, makes today's partitions and those ahead. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const log = options.log ?? createLogger({ component: 'davy-hub' });
    const pool = createPool(url, log);
    try {
      await migrate(pool);
      const partitions = new Partitions(pool, log);
      const upkeep = new PartitionUpkeep(partitions, { retentionDays: options.retentionDays, aheadDays: options.aheadDays ?? 7, intervalMs: options.upkeepIntervalMs ?? 3_600_000 }, log);
      await upkeep.run();
      upkeep.start();
      const fold = new RollupFold(pool, log, options.foldIntervalMs ?? 30_000);
      fold.start();
      return new PostgresStore(pool, partitions, upkeep, fold, log, options.sharedStored ?? {});
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  onStored(listener: StoredSamplesListener): void {
    this.stored.add(listener);
  }

  ingest(batches: IngestBatch[]) {
    if (this.closed) return Promise.reject(new Error('the hub is stopping: the batch was not stored, the gateway sends it again to the next hub'));
    const committed = this.writer.commit(batches);
    this.committing = committed.catch(() => undefined);
    return committed;
  }

  gateways() {
    return this.queries.gateways();
  }

  series(filter: SeriesFilter) {
    return this.queries.series(filter);
  }

  seriesByKey(key: string) {
    return this.queries.seriesByKey(key);
  }

  latest(filter: SeriesFilter) {
    return this.queries.latest(filter);
  }

  devices(filter: DeviceFilter) {
    return this.queries.devices(filter);
  }

  history(query: BucketQuery) {
    return history(this.pool, query);
  }

  arrivals(query: ArrivalQuery) {
    return arrivals(this.pool, query);
  }

  rawPoints(query: RawQuery) {
    return this.queries.rawPoints(query);
  }

  events(query: EventQuery) {
    return this.queries.events(query);
  }

  tokenDigests() {
    return this.queries.tokenDigests();
  }

  async replaceTokenDigests(tokens: TokenDigest[]) {
    await inTransaction(this.pool, async (client) => {
      // Two replicas starting at once must not both delete and then both insert.
      await client.query('LOCK TABLE api_tokens IN SHARE ROW EXCLUSIVE MODE');
      await client.query('DELETE FROM api_tokens');
      for (const token of tokens) {
        await client.query('INSERT INTO api_tokens (label, sha256, created_ms) VALUES ($1, $2, $3)', [token.label, token.sha256Hex, Date.now()]);
      }
    });
  }

  hasTokenDigest(sha256Hex: string) {
    return this.queries.hasTokenDigest(sha256Hex);
  }

  async close() {
    this.closed = true;
    this.upkeep.stop();
    await Promise.all([this.fold.stop(), this.committing, this.sharedStored.stop()]);
    await this.pool.end();
  }
}
