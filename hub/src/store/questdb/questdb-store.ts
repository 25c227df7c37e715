/**
 * The QuestDB store: samples and events in deduplicated WAL tables written over ILP, read over
 * PostgreSQL wire with SAMPLE BY and LATEST ON; gateways, outboxes, series, devices and tokens
 * held in memory and kept in keyed tables. One hub process per QuestDB database. See README.md
 * beside it.
 */
import type pg from 'pg';
import { Sender } from '@questdb/nodejs-client';
import http from 'node:http';
import { createLogger, errorMessage, type Logger } from '@davy/runtime';
import { createPool } from '../postgres/pool.js';
import type { ArrivalQuery, BucketQuery, DeviceFilter, DeviceStatus, EventQuery, GatewayInfo, IngestBatch, IngestResult, RawQuery, SeriesFilter, SeriesInfo, Store, TokenDigest } from '../store.js';
import { StoredSamples, type StoredSamplesListener } from '../stored-samples.js';
import { questDbEndpoints, questDbLocationHint } from './endpoints.js';
import { IlpWriter } from './ilp-writer.js';
import { QuestDbIngest } from './ingest.js';
import { arrivals, events, history, latest, rawPoints } from './queries.js';
import { prepareSchema } from './schema.js';
import { MetadataState, pairKey } from './state.js';
import { WalCatchUp, walApplied } from './wal.js';

export interface QuestDbStoreOptions {
  /** Days of raw samples kept before the newest (QuestDB's TTL on the samples table); default: everything. */
  retentionDays?: number;
  log?: Logger;
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function matches(series: SeriesInfo, filter: SeriesFilter): boolean {
  return (
    (filter.gatewayId === undefined || series.gatewayId === filter.gatewayId) &&
    (filter.metric === undefined || series.metric === filter.metric) &&
    (filter.device === undefined || series.device === filter.device)
  );
}

/** Fails with a message naming the address when QuestDB's HTTP server (ILP) does not answer. */
async function checkHttp(httpUrl: string): Promise<void> {
  try {
    const response = await fetch(`${httpUrl}/ping`, { signal: AbortSignal.timeout(5_000) });
    if (response.status !== 204) throw new Error(`it answered /ping with HTTP ${response.status}, not 204`);
  } catch (error) {
    throw new Error(`QuestDB's HTTP server at ${httpUrl} (for ILP) does not answer: ${errorMessage(error)}; ${questDbLocationHint}`);
  }
}

export class QuestDbStore implements Store {
  private readonly ingestPath: QuestDbIngest;
  private closed = false;
  private readonly stored = new StoredSamples();
  /** Writes one after another: they share the ILP client's buffer, and each group sees the state the one before left. */
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly pool: pg.Pool,
    private readonly sender: Sender,
    private readonly httpAgent: http.Agent,
    private readonly writer: IlpWriter,
    private readonly state: MetadataState,
    private readonly wal: WalCatchUp,
  ) {
    this.ingestPath = new QuestDbIngest(state, writer, this.stored);
  }

  /** Connects, creates the tables the database lacks, and loads what it holds of gateways and series. */
  static async open(location: string, options: QuestDbStoreOptions = {}): Promise<QuestDbStore> {
    const log = options.log ?? createLogger({ component: 'davy-hub' });
    const endpoints = questDbEndpoints(location);
    if (!endpoints) throw new Error(`"${location}" is not a QuestDB location: ${questDbLocationHint}`);
    const pool = createPool(endpoints.pgUrl, log);
    try {
      const applied = () => walApplied(pool, 60_000);
      await prepareSchema(pool, applied);
      if (options.retentionDays !== undefined) await pool.query(`ALTER TABLE samples SET TTL ${Math.trunc(options.retentionDays) + 1} DAYS`);
      await checkHttp(endpoints.httpUrl);
      await applied();
      const state = await MetadataState.load(pool);
      // Node's HTTP client (stdlib_http), not the client's default undici one: that retries a
      // refused connection without end, so a commit to a stopped server would never fail. A
      // failed request is not retried here at all — the gateway resends the batch — except on
      // the statuses QuestDB asks to retry, for up to 10 s. Connections of the store's own:
      // QuestDB keeps what it knows of the tables per connection, and close() leaves none open.
      const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      const sender = await Sender.fromConfig(`http::addr=${endpoints.ilpAddress};stdlib_http=on;auto_flush=off;retry_timeout=10000;request_timeout=60000;`, {
        agent: httpAgent,
        log: (level, message) => {
          if (level === 'error' || level === 'warn') log.warn('store.questdb_client', { message: errorMessage(message) });
        },
      });
      return new QuestDbStore(pool, sender, httpAgent, new IlpWriter(sender), state, new WalCatchUp(pool));
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  onStored(listener: StoredSamplesListener): void {
    this.stored.add(listener);
  }

  ingest(batches: IngestBatch[]): Promise<IngestResult[]> {
    if (this.closed) return Promise.reject(new Error('the hub is stopping: the batch was not stored, the gateway sends it again to the next hub'));
    return this.write(() => this.ingestPath.commit(batches));
  }

  /** Runs `work` after the writes before it; reads wait for what it wrote to be applied. */
  private write<T>(work: () => Promise<T>): Promise<T> {
    const done = this.writing.then(async () => {
      try {
        return await work();
      } finally {
        // Also after a failure: part of it may be in QuestDB, and a read should see what is.
        this.wal.committedOne();
      }
    });
    this.writing = done.catch(() => undefined);
    return done;
  }

  async gateways(): Promise<GatewayInfo[]> {
    return [...this.state.gateways.values()]
      .sort((a, b) => compare(a.id, b.id))
      .map((g) => ({ id: g.id, enterpriseCode: g.enterpriseCode, site: g.site, watermark: g.watermark, firstSeenMs: g.firstSeenMs, lastSeenMs: g.lastSeenMs, clockSkewMs: g.clockSkewMs }));
  }

  async series(filter: SeriesFilter): Promise<SeriesInfo[]> {
    return this.matchingSeries(filter).map((series) => ({ ...series }));
  }

  async seriesByKey(key: string): Promise<SeriesInfo | undefined> {
    const id = this.state.seriesIdByKey.get(key);
    const series = id === undefined ? undefined : this.state.series.get(id);
    return series && { ...series };
  }

  async latest(filter: SeriesFilter) {
    await this.wal.readable();
    const all = filter.gatewayId === undefined && filter.metric === undefined && filter.device === undefined;
    return latest(this.pool, this.matchingSeries(filter), all);
  }

  async devices(filter: DeviceFilter): Promise<DeviceStatus[]> {
    // Every device with series or a reported state, with its last report.
    const seriesCount = new Map<string, { gatewayId: string; device: string; count: number }>();
    for (const series of this.state.series.values()) {
      const key = pairKey(series.gatewayId, series.device);
      const known = seriesCount.get(key) ?? { gatewayId: series.gatewayId, device: series.device, count: 0 };
      known.count += 1;
      seriesCount.set(key, known);
    }
    for (const status of this.state.devices.values()) {
      const key = pairKey(status.gatewayId, status.device);
      if (!seriesCount.has(key)) seriesCount.set(key, { gatewayId: status.gatewayId, device: status.device, count: 0 });
    }
    const devices: DeviceStatus[] = [];
    for (const [key, { gatewayId, device, count }] of seriesCount) {
      const status = this.state.devices.get(key);
      const state = status?.state ?? 'unknown';
      if ((filter.gatewayId !== undefined && gatewayId !== filter.gatewayId) || (filter.state !== undefined && state !== filter.state)) continue;
      devices.push({
        gatewayId,
        device,
        state,
        stateSinceMs: status?.stateSinceMs ?? null,
        reason: status?.reason ?? null,
        lastGoodReadMs: status?.lastGoodReadMs ?? null,
        reads: status?.reads ?? null,
        errors: status?.errorsJson ? (JSON.parse(status.errorsJson) as Record<string, number>) : {},
        lastError: status?.lastError ?? null,
        reportedMs: status?.reportedMs ?? null,
        series: count,
      });
    }
    return devices.sort((a, b) => compare(a.gatewayId, b.gatewayId) || compare(a.device, b.device));
  }

  async history(query: BucketQuery) {
    await this.wal.readable();
    return history(this.pool, query);
  }

  async arrivals(query: ArrivalQuery) {
    await this.wal.readable();
    return arrivals(this.pool, query);
  }

  async rawPoints(query: RawQuery) {
    await this.wal.readable();
    return rawPoints(this.pool, query);
  }

  async events(query: EventQuery) {
    await this.wal.readable();
    return events(this.pool, query);
  }

  async tokenDigests(): Promise<TokenDigest[]> {
    return this.state.tokens.map((token) => ({ ...token }));
  }

  async replaceTokenDigests(tokens: TokenDigest[]): Promise<void> {
    const generation = this.state.tokenGeneration + 1;
    const set = tokens.map((token) => ({ label: token.label, sha256Hex: token.sha256Hex }));
    await this.write(() => this.writer.tokenSet(generation, JSON.stringify(set)));
    this.state.tokenGeneration = generation;
    this.state.tokens = set;
  }

  async hasTokenDigest(sha256Hex: string): Promise<boolean> {
    return this.state.tokens.some((token) => token.sha256Hex === sha256Hex);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.writing;
    await this.sender.close();
    this.httpAgent.destroy();
    await this.pool.end();
  }

  private matchingSeries(filter: SeriesFilter): SeriesInfo[] {
    return [...this.state.series.values()].filter((series) => matches(series, filter)).sort(byKey);
  }
}
