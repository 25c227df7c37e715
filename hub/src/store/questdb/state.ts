/**
 * What the QuestDB store knows of gateways, outboxes, series, devices and tokens, held in
 * memory: loaded from the tables at open, changed only after a commit that wrote the change
 * returned, and read by ingest and the API without a query. One hub owns a QuestDB database
 * (README.md): nothing else writes these tables while it runs.
 */
import type pg from 'pg';
import type { SeriesInfo, TokenDigest } from '../store.js';

export interface GatewayRecord {
  id: string;
  enterpriseCode: string | null;
  site: string | null;
  outboxId: string;
  watermark: number;
  firstSeenMs: number;
  lastSeenMs: number;
  clockSkewMs: number | null;
}

export interface OutboxRecord {
  gatewayId: string;
  outboxId: string;
  watermark: number;
  firstSeenMs: number;
  lastSeenMs: number;
}

export interface DeviceRecord {
  gatewayId: string;
  device: string;
  state: string;
  stateSinceMs: number;
  reason: string | null;
  lastGoodReadMs: number | null;
  reads: number | null;
  errorsJson: string | null;
  lastError: string | null;
  reportedMs: number;
}

/** One key per pair of names (a NUL never appears in a stored name). */
export const pairKey = (first: string, second: string) => `${first}\u0000${second}`;

export class MetadataState {
  readonly gateways = new Map<string, GatewayRecord>();
  /** By pairKey(gateway, outbox). */
  readonly outboxes = new Map<string, OutboxRecord>();
  readonly series = new Map<number, SeriesInfo>();
  readonly seriesIdByKey = new Map<string, number>();
  /** By pairKey(gateway, outbox): the agent's local series id → the hub's. */
  readonly outboxSeries = new Map<string, Map<number, number>>();
  /** By pairKey(gateway, device). */
  readonly devices = new Map<string, DeviceRecord>();
  tokens: TokenDigest[] = [];
  tokenGeneration = 0;
  private nextSeriesId = 1;
  private nextEventIdValue = 1;

  /**
   * The id of the series with this key: its own, or a new one. A new id stays with its key even
   * if the commit that would store it fails, so the resend writes the same id again.
   */
  seriesIdFor(key: string): number {
    let id = this.seriesIdByKey.get(key);
    if (id === undefined) {
      id = this.nextSeriesId;
      this.nextSeriesId += 1;
      this.seriesIdByKey.set(key, id);
    }
    return id;
  }

  /** A new event id, greater than every stored one: the API pages events by it. */
  nextEventId(): number {
    const id = this.nextEventIdValue;
    this.nextEventIdValue += 1;
    return id;
  }

  static async load(pool: pg.Pool): Promise<MetadataState> {
    const state = new MetadataState();
    const rows = async <T extends pg.QueryResultRow>(sql: string) => (await pool.query<T>(sql)).rows;
    for (const row of await rows<{ id: string; enterprise_code: string | null; site: string | null; outbox_id: string; watermark: number; first_seen_ms: number; last_seen_ms: number; clock_skew_ms: number | null }>(
      'SELECT id, enterprise_code, site, outbox_id, watermark, first_seen_ms, last_seen_ms, clock_skew_ms FROM gateways',
    )) {
      state.gateways.set(row.id, {
        id: row.id,
        enterpriseCode: row.enterprise_code,
        site: row.site,
        outboxId: row.outbox_id,
        watermark: row.watermark,
        firstSeenMs: row.first_seen_ms,
        lastSeenMs: row.last_seen_ms,
        clockSkewMs: row.clock_skew_ms,
      });
    }
    for (const row of await rows<{ gateway_id: string; outbox_id: string; watermark: number; first_seen_ms: number; last_seen_ms: number }>(
      'SELECT gateway_id, outbox_id, watermark, first_seen_ms, last_seen_ms FROM outboxes',
    )) {
      state.outboxes.set(pairKey(row.gateway_id, row.outbox_id), { gatewayId: row.gateway_id, outboxId: row.outbox_id, watermark: row.watermark, firstSeenMs: row.first_seen_ms, lastSeenMs: row.last_seen_ms });
    }
    for (const row of await rows<{ id: number; key: string; gateway_id: string; device: string; point: string; metric: string; unit: string; interval_ms: number }>(
      'SELECT id, key, gateway_id, device, point, metric, unit, interval_ms FROM series',
    )) {
      state.series.set(row.id, { id: row.id, key: row.key, gatewayId: row.gateway_id, device: row.device, point: row.point, metric: row.metric, unit: row.unit, intervalMs: row.interval_ms });
      state.seriesIdByKey.set(row.key, row.id);
      state.nextSeriesId = Math.max(state.nextSeriesId, row.id + 1);
    }
    for (const row of await rows<{ gateway_id: string; outbox_id: string; local_id: number; series_id: number }>('SELECT gateway_id, outbox_id, local_id, series_id FROM outbox_series')) {
      const key = pairKey(row.gateway_id, row.outbox_id);
      const ids = state.outboxSeries.get(key) ?? new Map<number, number>();
      ids.set(row.local_id, row.series_id);
      state.outboxSeries.set(key, ids);
    }
    for (const row of await rows<{
      gateway_id: string;
      device: string;
      state: string;
      state_since_ms: number;
      reason: string | null;
      last_good_read_ms: number | null;
      reads: number | null;
      errors: string | null;
      last_error: string | null;
      reported_ms: number;
    }>('SELECT gateway_id, device, state, state_since_ms, reason, last_good_read_ms, reads, errors, last_error, reported_ms FROM device_status')) {
      state.devices.set(pairKey(row.gateway_id, row.device), {
        gatewayId: row.gateway_id,
        device: row.device,
        state: row.state,
        stateSinceMs: row.state_since_ms,
        reason: row.reason,
        lastGoodReadMs: row.last_good_read_ms,
        reads: row.reads,
        errorsJson: row.errors,
        lastError: row.last_error,
        reportedMs: row.reported_ms,
      });
    }
    const [tokenSet] = await rows<{ generation: number; tokens: string }>('SELECT generation, tokens FROM api_token_sets ORDER BY generation DESC LIMIT 1');
    if (tokenSet) {
      state.tokenGeneration = tokenSet.generation;
      state.tokens = JSON.parse(tokenSet.tokens) as TokenDigest[];
    }
    const [events] = await rows<{ id: number | null }>('SELECT max(id) AS id FROM events');
    state.nextEventIdValue = (events?.id ?? 0) + 1;
    return state;
  }
}
