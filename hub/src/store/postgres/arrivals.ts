/**
 * The valid samples of a range and how many came late, for the quality report. `received` is
 * summed up as history sums a count (rollups and the raw rows not folded yet), so it stays
 * what history answers even for days whose raw rows retention dropped; `late` needs each
 * sample's arrival time, which only the raw rows keep. Both in one statement: one snapshot.
 */
import type pg from 'pg';
import type { ArrivalQuery, Arrivals } from '../store.js';
import { countSegments, segmentParts } from './history.js';

export async function arrivals(pool: pg.Pool, query: ArrivalQuery): Promise<Arrivals> {
  if (query.fromMs >= query.toMs) return { received: 0, late: 0 };
  const params: number[] = [query.seriesId];
  const parts = segmentParts(countSegments(query.fromMs, query.toMs), params);
  params.push(query.fromMs, query.toMs, query.lateAfterMs);
  const [from, to, lateAfter] = [params.length - 2, params.length - 1, params.length].map((n) => `$${n}`);
  const { rows } = await pool.query<{ received: number; kept: number; late: number }>(
    `SELECT (SELECT COALESCE(SUM(count), 0)::int8 FROM (${parts.join('\n              UNION ALL ')}) AS parts (t, count, sum, min, max, last_time, last_seq, last)) AS received,
            COUNT(*)::int8 AS kept, (COUNT(*) FILTER (WHERE received_ms - time_ms > ${lateAfter}))::int8 AS late
     FROM samples WHERE series_id = $1 AND time_ms >= ${from} AND time_ms < ${to} AND value IS NOT NULL`,
    params,
  );
  const { received, kept, late } = rows[0]!;
  // Fewer raw rows than counted: some samples are in the hourly rollups only, without arrival times.
  return { received, late: kept === received ? late : null };
}
