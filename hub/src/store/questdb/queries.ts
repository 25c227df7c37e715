/**
 * The QuestDB store's reads of samples and events, over PostgreSQL wire. Times travel as
 * microseconds (`cast(ts AS long)`, and parameters cast to timestamp), never as timestamp
 * text, which QuestDB sends without a zone. History is QuestDB's SAMPLE BY over the raw
 * samples: its columnar scan is fast enough that the store keeps no rollups.
 */
import type pg from 'pg';
import { bucketGrid, firstBucketStart } from '../bucket-grid.js';
import { qualityName } from '../quality.js';
import type { Aggregate, ArrivalQuery, Arrivals, Bucket, BucketQuery, EventQuery, RawPoint, RawQuery, SeriesInfo, StoredEvent, LatestValue } from '../store.js';

const us = (ms: number) => ms * 1_000;
const ms = (microseconds: number) => microseconds / 1_000;

/** Over good and uncertain samples (bad ones carry no value, and are left out by the WHERE). */
const aggregateSql: Record<Aggregate, string> = {
  avg: 'avg(value)',
  min: 'min(value)',
  max: 'max(value)',
  sum: 'sum(value)',
  count: 'count(value)',
  last: 'last(value)',
};

export async function history(pool: pg.Pool, query: BucketQuery): Promise<Bucket[]> {
  const first = firstBucketStart(query);
  const { rows } = await pool.query<{ start: number; count: number; value: number | null }>(
    `SELECT cast(ts AS long) AS start, count(value) AS count, ${aggregateSql[query.agg]} AS value FROM samples
     WHERE series_id = $1 AND ts >= $2::timestamp AND ts < $3::timestamp AND value != null
     SAMPLE BY ${Math.trunc(query.stepMs)}T FROM $4::timestamp TO $3::timestamp`,
    [query.seriesId, us(query.fromMs), us(query.toMs), us(first)],
  );
  return bucketGrid(query, new Map(rows.map((row) => [ms(row.start), { startMs: ms(row.start), value: row.value, count: row.count }])));
}

/** Over the same samples history counts (WHERE value != null); a late one was stored more than lateAfterMs after its time. */
export async function arrivals(pool: pg.Pool, query: ArrivalQuery): Promise<Arrivals> {
  // Compared in microseconds, ts's own unit: received_ms * 1,000 is exact, and ts needs no rounding.
  const { rows } = await pool.query<{ received: number; late: number | null }>(
    `SELECT count(value) AS received, sum(CASE WHEN received_ms * 1000 - cast(ts AS long) > $4::long THEN 1 ELSE 0 END) AS late FROM samples
     WHERE series_id = $1 AND ts >= $2::timestamp AND ts < $3::timestamp AND value != null`,
    [query.seriesId, us(query.fromMs), us(query.toMs), us(query.lateAfterMs)],
  );
  // No row at all, or a sum over none (null), is none.
  return { received: rows[0]?.received ?? 0, late: rows[0]?.late ?? 0 };
}

export async function rawPoints(pool: pg.Pool, query: RawQuery): Promise<RawPoint[]> {
  const params: number[] = [query.seriesId, us(query.fromMs), us(query.toMs)];
  let after = '';
  if (query.after) {
    params.push(us(query.after.timeMs), query.after.seq);
    after = 'AND (ts > $4::timestamp OR (ts = $4::timestamp AND seq > $5))';
  }
  const { rows } = await pool.query<{ t: number; seq: number; value: number | null; quality: number; received_ms: number }>(
    `SELECT cast(ts AS long) AS t, seq, value, quality, received_ms FROM samples
     WHERE series_id = $1 AND ts >= $2::timestamp AND ts < $3::timestamp ${after}
     ORDER BY ts, seq LIMIT ${Math.trunc(query.limit)}`,
    params,
  );
  return rows.map((row) => ({ timeMs: ms(row.t), seq: row.seq, value: row.value, quality: qualityName(row.quality), receivedMs: row.received_ms }));
}

/** The newest sample of each of `series` (ordered as given); all series when `all`, without a list of ids. */
export async function latest(pool: pg.Pool, series: SeriesInfo[], all: boolean): Promise<LatestValue[]> {
  if (series.length === 0) return [];
  // Ids are numbers the store gave: written into the statement, a list of any length is one query.
  const where = all ? '' : `WHERE series_id IN (${series.map((s) => Math.trunc(s.id)).join(',')})`;
  const { rows } = await pool.query<{ series_id: number; t: number; value: number | null; quality: number; received_ms: number }>(
    `SELECT series_id, cast(ts AS long) AS t, value, quality, received_ms FROM samples ${where} LATEST ON ts PARTITION BY series_id`,
  );
  const bySeries = new Map(rows.map((row) => [row.series_id, row]));
  return series.flatMap((info) => {
    const row = bySeries.get(info.id);
    return row ? [{ series: info, timeMs: ms(row.t), value: row.value, quality: qualityName(row.quality), receivedMs: row.received_ms }] : [];
  });
}

export async function events(pool: pg.Pool, query: EventQuery): Promise<StoredEvent[]> {
  const clauses: string[] = [];
  const params: Array<string | number> = [];
  const add = (sql: (param: string) => string, value: string | number | undefined) => {
    if (value === undefined) return;
    params.push(value);
    clauses.push(sql(`$${params.length}`));
  };
  add((p) => `gateway_id = ${p}`, query.gatewayId);
  // QuestDB takes no array parameter here: one parameter per id.
  if (query.gatewayIds !== undefined) {
    const list = query.gatewayIds.map((id) => {
      params.push(id);
      return `$${params.length}`;
    });
    clauses.push(list.length === 0 ? 'false' : `gateway_id IN (${list.join(', ')})`);
  }
  add((p) => `device = ${p}`, query.device);
  add((p) => `type = ${p}`, query.type);
  add((p) => `ts >= ${p}::timestamp`, query.fromMs === undefined ? undefined : us(query.fromMs));
  add((p) => `ts < ${p}::timestamp`, query.toMs === undefined ? undefined : us(query.toMs));
  add((p) => `id < ${p}`, query.beforeId);
  const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
  const { rows } = await pool.query<{ id: number; gateway_id: string; device: string | null; type: string; t: number; received_ms: number; body: string }>(
    `SELECT id, gateway_id, device, type, cast(ts AS long) AS t, received_ms, body FROM events ${where} ORDER BY id DESC LIMIT ${Math.trunc(query.limit)}`,
    params,
  );
  return rows.map((row) => ({
    id: row.id,
    gatewayId: row.gateway_id,
    device: row.device,
    type: row.type,
    timeMs: ms(row.t),
    receivedMs: row.received_ms,
    body: JSON.parse(row.body) as Record<string, unknown>,
  }));
}
