/** The store's reads on PostgreSQL; columns are named as the store interface names its fields. */
import type pg from 'pg';
import { qualityName } from '../quality.js';
import type { DeviceFilter, DeviceStatus, EventQuery, GatewayInfo, LatestValue, RawPoint, RawQuery, SeriesFilter, SeriesInfo, StoredEvent, TokenDigest } from '../store.js';

const seriesColumns = 's.id, s.key, s.gateway_id AS "gatewayId", s.device, s.point, s.metric, s.unit, s.interval_ms AS "intervalMs"';

/** WHERE clauses over table alias `s` for a series filter, numbering parameters from `params`. */
function seriesWhere(filter: SeriesFilter, params: unknown[]): string {
  const clauses: string[] = [];
  for (const [column, value] of [['s.gateway_id', filter.gatewayId], ['s.metric', filter.metric], ['s.device', filter.device]] as const) {
    if (value === undefined) continue;
    params.push(value);
    clauses.push(`${column} = $${params.length}`);
  }
  return clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
}

export class PostgresQueries {
  constructor(private readonly pool: pg.Pool) {}

  async gateways(): Promise<GatewayInfo[]> {
    const { rows } = await this.pool.query<GatewayInfo>(
      `SELECT id, enterprise_code AS "enterpriseCode", site, watermark, first_seen_ms AS "firstSeenMs", last_seen_ms AS "lastSeenMs", clock_skew_ms AS "clockSkewMs"
       FROM gateways ORDER BY id`,
    );
    return rows;
  }

  async series(filter: SeriesFilter): Promise<SeriesInfo[]> {
    const params: unknown[] = [];
    const { rows } = await this.pool.query<SeriesInfo>(`SELECT ${seriesColumns} FROM series s ${seriesWhere(filter, params)} ORDER BY s.key`, params);
    return rows;
  }

  async seriesByKey(key: string): Promise<SeriesInfo | undefined> {
    const { rows } = await this.pool.query<SeriesInfo>(`SELECT ${seriesColumns} FROM series s WHERE s.key = $1`, [key]);
    return rows[0];
  }

  /**
   * The folded newest sample of each series, unless a commit not folded yet holds a newer one (or
   * one as new: it arrived later). The probe for that looks only at times from the folded one
   * on, within the times the pending commits hold.
   */
  async latest(filter: SeriesFilter): Promise<LatestValue[]> {
    const params: unknown[] = [];
    const where = seriesWhere(filter, params);
    const { rows } = await this.pool.query<SeriesInfo & { timeMs: number; value: number | null; quality: number; receivedMs: number }>(
      `WITH pending AS (SELECT MIN(min_time_ms) AS from_ms, MAX(max_time_ms) AS to_ms FROM fold_queue)
       SELECT ${seriesColumns}, n.time_ms AS "timeMs", n.value, n.quality, n.received_ms AS "receivedMs"
       FROM series s CROSS JOIN pending p
       LEFT JOIN latest l ON l.series_id = s.id
       LEFT JOIN LATERAL (
         SELECT r.time_ms, r.value, r.quality, r.received_ms FROM samples r
         WHERE r.series_id = s.id AND r.time_ms >= GREATEST(p.from_ms, l.time_ms) AND r.time_ms <= p.to_ms AND r.commit_id IN (SELECT commit_id FROM fold_queue)
         ORDER BY r.time_ms DESC, r.commit_id DESC, r.seq DESC LIMIT 1
       ) f ON true
       CROSS JOIN LATERAL (
         SELECT f.time_ms, f.value, f.quality, f.received_ms WHERE f.time_ms IS NOT NULL
         UNION ALL SELECT l.time_ms, l.value, l.quality, l.received_ms WHERE f.time_ms IS NULL AND l.series_id IS NOT NULL
       ) n
       ${where} ORDER BY s.key`,
      params,
    );
    return rows.map(({ timeMs, value, quality, receivedMs, ...series }) => ({ series, timeMs, value, quality: qualityName(quality), receivedMs }));
  }

  async devices(filter: DeviceFilter): Promise<DeviceStatus[]> {
    // Every device with series or a reported state, with its last report.
    const { rows } = await this.pool.query<DeviceStatus & { errors: Record<string, number> | null }>(
      `WITH known AS (
         SELECT gateway_id, device, COUNT(*) AS series FROM series GROUP BY gateway_id, device
         UNION ALL SELECT gateway_id, device, 0 FROM device_status
       ), devices AS (SELECT gateway_id, device, SUM(series)::int4 AS series FROM known GROUP BY gateway_id, device)
       SELECT d.gateway_id AS "gatewayId", d.device, d.series, COALESCE(s.state, 'unknown') AS state, s.state_since_ms AS "stateSinceMs", s.reason,
              s.last_good_read_ms AS "lastGoodReadMs", s.reads, s.errors, s.last_error AS "lastError", s.reported_ms AS "reportedMs"
       FROM devices d LEFT JOIN device_status s ON s.gateway_id = d.gateway_id AND s.device = d.device
       WHERE ($1::text IS NULL OR d.gateway_id = $1) AND ($2::text IS NULL OR COALESCE(s.state, 'unknown') = $2)
       ORDER BY d.gateway_id, d.device`,
      [filter.gatewayId ?? null, filter.state ?? null],
    );
    return rows.map((row) => ({ ...row, errors: row.errors ?? {} }));
  }

  async rawPoints(query: RawQuery): Promise<RawPoint[]> {
    const after = query.after ?? { timeMs: query.fromMs - 1, seq: Number.MAX_SAFE_INTEGER };
    const { rows } = await this.pool.query<Omit<RawPoint, 'quality'> & { quality: number }>(
      `SELECT time_ms AS "timeMs", seq, value, quality, received_ms AS "receivedMs" FROM samples
       WHERE series_id = $1 AND time_ms >= $2 AND time_ms < $3 AND (time_ms, seq) > ($4, $5)
       ORDER BY time_ms, seq LIMIT $6`,
      [query.seriesId, query.fromMs, query.toMs, after.timeMs, after.seq, query.limit],
    );
    return rows.map((row) => ({ ...row, quality: qualityName(row.quality) }));
  }

  async events(query: EventQuery): Promise<StoredEvent[]> {
    const params: unknown[] = [];
    const clauses: string[] = [];
    const add = (condition: string, value: string | number | undefined) => {
      if (value === undefined) return;
      params.push(value);
      clauses.push(`${condition} $${params.length}`);
    };
    add('gateway_id =', query.gatewayId);
    if (query.gatewayIds !== undefined) {
      params.push(query.gatewayIds);
      clauses.push(`gateway_id = ANY ($${params.length}::text[])`);
    }
    add('device =', query.device);
    add('type =', query.type);
    add('time_ms >=', query.fromMs);
    add('time_ms <', query.toMs);
    add('id <', query.beforeId);
    params.push(query.limit);
    const { rows } = await this.pool.query<StoredEvent>(
      `SELECT id, gateway_id AS "gatewayId", device, type, time_ms AS "timeMs", received_ms AS "receivedMs", body FROM events
       ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows;
  }

  async tokenDigests(): Promise<TokenDigest[]> {
    const { rows } = await this.pool.query<TokenDigest>('SELECT label, sha256 AS "sha256Hex" FROM api_tokens ORDER BY id');
    return rows;
  }

  async hasTokenDigest(sha256Hex: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM api_tokens WHERE sha256 = $1', [sha256Hex]);
    return (rowCount ?? 0) > 0;
  }
}
