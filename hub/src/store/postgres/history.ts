/**
 * Bucketed history, from the rollups wherever they give the same answer as the raw samples:
 * a rollup serves a stretch when the buckets asked for are whole multiples of its width and
 * start on its boundaries (a 1-day step at +08:00 is 24 whole hours from an hour boundary:
 * the 1-hour rollup serves it; +05:30 falls back to the 1-minute one; a 90 s step to raw
 * samples). The stretches a rollup cannot cover — the partial first and last of its buckets —
 * come from the next finer source, down to the raw samples.
 */
import type pg from 'pg';
import { bucketGrid, firstBucketStart } from '../bucket-grid.js';
import type { Bucket, BucketQuery } from '../store.js';
import { rollups, type Rollup } from './rollups.js';

export interface HistorySegment {
  source: 'samples' | Rollup['table'];
  fromMs: number;
  /** Exclusive. */
  toMs: number;
}

const floorTo = (ms: number, width: number) => Math.floor(ms / width) * width;
const ceilTo = (ms: number, width: number) => Math.ceil(ms / width) * width;

/** Where each part of [fromMs, toMs) is read from, in time order. */
export function historySegments(query: Pick<BucketQuery, 'fromMs' | 'toMs' | 'stepMs' | 'alignMs'>): HistorySegment[] {
  const fitting = rollups.filter((rollup) => query.stepMs % rollup.widthMs === 0 && query.alignMs % rollup.widthMs === 0);
  return split(query.fromMs, query.toMs, fitting);
}

function split(fromMs: number, toMs: number, fitting: readonly Rollup[]): HistorySegment[] {
  if (fromMs >= toMs) return [];
  const [widest, ...finer] = fitting;
  if (!widest) return [{ source: 'samples', fromMs, toMs }];
  const start = ceilTo(fromMs, widest.widthMs);
  const end = floorTo(toMs, widest.widthMs);
  if (start >= end) return split(fromMs, toMs, finer);
  return [...split(fromMs, start, finer), { source: widest.table, fromMs: start, toMs: end }, ...split(end, toMs, finer)];
}

/** How a bucket's value sums up its parts, per aggregate. */
const aggregateSql: Record<BucketQuery['agg'], string> = {
  avg: 'SUM(sum) / SUM(count)::float8',
  min: 'MIN(min)',
  max: 'MAX(max)',
  sum: 'SUM(sum)',
  count: 'SUM(count)::float8',
  // Newest (time, seq) wins, across raw rows and rollup rows alike.
  last: '(array_agg(last ORDER BY last_time DESC, last_seq DESC))[1]',
};

/**
 * Where a count over all of [fromMs, toMs) is read from: with no bucket boundary inside the
 * range, every rollup fits, so the widest serves every whole hour.
 */
export function countSegments(fromMs: number, toMs: number): HistorySegment[] {
  return split(fromMs, toMs, rollups);
}

/**
 * SELECTs of (t, count, sum, min, max, last_time, last_seq, last) whose rows sum up to the valid
 * samples of the segments: rollup rows, and the raw rows the rollups do not hold (yet). $1 is
 * the series id; the segments' bounds are added to `params`.
 */
export function segmentParts(segments: HistorySegment[], params: number[]): string[] {
  return segments.flatMap((segment) => {
    params.push(segment.fromMs, segment.toMs);
    const range = (column: string) => `series_id = $1 AND ${column} >= $${params.length - 1} AND ${column} < $${params.length}`;
    const raw = `SELECT time_ms, 1, value, value, value, time_ms, seq, value FROM samples WHERE ${range('time_ms')} AND value IS NOT NULL`;
    if (segment.source === 'samples') return [raw];
    // The rollup, and the raw samples of the commits not folded into it yet (within the times
    // those commits hold, so that a long range does not walk a series' every raw row).
    return [
      `SELECT bucket_ms, count, sum, min, max, last_time_ms, last_seq, last FROM ${segment.source} WHERE ${range('bucket_ms')}`,
      `${raw} AND time_ms BETWEEN (SELECT MIN(min_time_ms) FROM fold_queue) AND (SELECT MAX(max_time_ms) FROM fold_queue)
         AND commit_id IN (SELECT commit_id FROM fold_queue)`,
    ];
  });
}

/** Every bucket from the one holding fromMs up to toMs, empty ones included; one statement, so one snapshot. */
export async function history(pool: pg.Pool, query: BucketQuery): Promise<Bucket[]> {
  const first = firstBucketStart(query);
  const params: number[] = [query.seriesId, first, query.stepMs];
  const parts = segmentParts(historySegments(query), params);
  const rows =
    parts.length === 0
      ? []
      : (
          await pool.query<{ start: number; count: number; value: number | null }>(
            // t - first is never negative (t >= fromMs >= first), so integer division is the floor.
            `SELECT $2::int8 + ((t - $2::int8) / $3::int8) * $3::int8 AS start, SUM(count)::int8 AS count, ${aggregateSql[query.agg]} AS value
             FROM (${parts.join('\n             UNION ALL ')}) AS parts (t, count, sum, min, max, last_time, last_seq, last)
             GROUP BY 1`,
            params,
          )
        ).rows;
  return bucketGrid(query, new Map(rows.map((row) => [row.start, { startMs: row.start, value: row.value, count: row.count }])));
}
