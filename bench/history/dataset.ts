/**
 * What a PostgreSQL store holding a year of 10-second data for 1,000 series would hold that
 * matters to "one day at 1-minute buckets", made in SQL straight into the store's own tables
 * (its migrations, its partitions, its indexes — made by opening the store):
 *
 * - `series`: 1,000 series, keys `gw-bench-GG/meter-DD/pPP`, sampled every 10 s;
 * - every partition a year without retention has: `samples` and `rollup_1m` for each of the
 *   365 days (plus today and the 7 days the store makes ahead), `rollup_1h` for each month;
 * - `rollup_1h`: every hour of the year for every series (count 360 a bucket);
 * - `rollup_1m`: every minute of the last `minuteDays` days for every series (count 6);
 * - `samples`: the raw 10-second rows of the last `rawDays` days (folded: none queued).
 *
 * The other 3.1 billion raw rows and the older 1-minute rows are not made: a 1-minute history
 * of a whole UTC day reads that day's `rollup_1m` partition and, for the commits still queued
 * for the fold, that day's `samples` partition (history.ts) — nothing else. Values are a
 * smooth wave per series; the rollups' counts are those 10-second data gives, their sums,
 * minima and maxima are synthetic (not summed from raw rows), which a latency does not see.
 */
import { createLogger } from '@davy/runtime';
import { dayMs } from '../../hub/src/store/postgres/partitions.js';
import { PostgresStore } from '../../hub/src/store/postgres/postgres-store.js';

export const seriesCount = 1_000;
const sampleMs = 10_000;
const minuteMs = 60_000;
const hourMs = 3_600_000;

export interface DatasetShape {
  /** Days of 1-minute rollups, ending yesterday (UTC); the days the benchmark queries. */
  minuteDays: number;
  /** Days of raw 10-second samples, ending yesterday (UTC). */
  rawDays: number;
  /** Connections generating at once. */
  workers: number;
}

export interface Dataset {
  /** UTC midnight of the first and of each queried day, oldest first. */
  queriedDays: number[];
  /** The keys, by series id. */
  keys: Map<number, string>;
  rows: { series: number; rollup1h: number; rollup1m: number; samples: number };
  partitions: { samples: number; rollup1m: number; rollup1h: number };
  /** Wall time, seconds, of each step. */
  seconds: { partitions: number; rollup1h: number; rollup1m: number; samples: number; vacuum: number; total: number };
  /** The database's size on disk once made, bytes. */
  databaseBytes: number;
  yearFromMs: number;
  yearToMs: number;
}

export const seriesKey = (index: number) => `gw-bench-${String(Math.floor(index / 100)).padStart(2, '0')}/meter-${String(Math.floor(index / 10) % 10).padStart(2, '0')}/p${String(index % 10).padStart(2, '0')}`;

/** A value per series and time: a daily wave around a level of its own. */
const valueSql = (time: string) => `(200 + (s.id % 50) + 20 * sin(2 * pi() * (${time} % ${dayMs}) / ${dayMs} + s.id))`;

/** Runs the jobs on `workers` connections of the pool at once, in order of the list. */
async function runJobs(store: PostgresStore, workers: number, jobs: string[]): Promise<number> {
  let next = 0;
  let rows = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, jobs.length) }, async () => {
      const client = await store.pool.connect();
      try {
        // Bulk loading: larger sorts in memory; commits need not wait for the disk (fsync stays on).
        await client.query("SET work_mem = '256MB'");
        await client.query('SET synchronous_commit = off');
        for (let job = next++; job < jobs.length; job = next++) {
          const inserted = (await client.query(jobs[job]!)).rowCount ?? 0;
          rows += inserted;
        }
      } finally {
        client.release();
      }
    }),
  );
  return rows;
}

const since = (started: number) => (performance.now() - started) / 1000;

export async function generateDataset(url: string, shape: DatasetShape, nowMs = Date.now()): Promise<Dataset> {
  const startedAll = performance.now();
  const today = Math.floor(nowMs / dayMs) * dayMs;
  const yearFromMs = today - 365 * dayMs;
  const log = createLogger({ component: 'bench', level: 'error' });
  // Opening the store applies the migrations and makes today's partitions and those ahead.
  const store = await PostgresStore.open(url, { foldIntervalMs: 3_600_000, log });
  try {
    let started = performance.now();
    const days = Array.from({ length: 365 }, (_, i) => yearFromMs + i * dayMs);
    await store.partitions.ensure(days);
    const partitionsSeconds = since(started);

    const series = await store.pool.query<{ id: number; key: string }>(
      `INSERT INTO series (key, gateway_id, device, point, metric, unit, interval_ms, created_ms)
       SELECT key, split_part(key, '/', 1), split_part(key, '/', 2), split_part(key, '/', 3), 'active_power', 'kW', ${sampleMs}, ${yearFromMs}
       FROM unnest($1::text[]) AS key RETURNING id, key`,
      [Array.from({ length: seriesCount }, (_, i) => seriesKey(i))],
    );
    const keys = new Map(series.rows.map((row) => [row.id, row.key]));

    // The rollup_1h partitions, a month each; rows in (series, bucket) order, as the index wants them.
    started = performance.now();
    const hourJobs: string[] = [];
    for (let from = yearFromMs; from < today; ) {
      const month = new Date(from);
      const to = Math.min(today, Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
      hourJobs.push(
        `INSERT INTO rollup_1h (series_id, bucket_ms, count, sum, min, max, last_time_ms, last_seq, last)
         SELECT s.id, b, 360, 360 * v, v - 5, v + 5, b + ${hourMs - sampleMs}, b / ${sampleMs} + 359, v
         FROM series s CROSS JOIN LATERAL generate_series(${from}::int8, ${to - 1}::int8, ${hourMs}::int8) AS b
         CROSS JOIN LATERAL (SELECT ${valueSql('b')} AS v) AS w ORDER BY s.id, b`,
      );
      from = to;
    }
    const rollup1h = await runJobs(store, shape.workers, hourJobs);
    const rollup1hSeconds = since(started);

    started = performance.now();
    const queriedDays = Array.from({ length: shape.minuteDays }, (_, i) => today - (shape.minuteDays - i) * dayMs);
    const rollup1m = await runJobs(
      store,
      shape.workers,
      queriedDays.map(
        (day) => `INSERT INTO rollup_1m (series_id, bucket_ms, count, sum, min, max, last_time_ms, last_seq, last)
         SELECT s.id, b, 6, 6 * v, v - 0.5, v + 0.5, b + ${minuteMs - sampleMs}, b / ${sampleMs} + 5, v
         FROM series s CROSS JOIN LATERAL generate_series(${day}::int8, ${day + dayMs - 1}::int8, ${minuteMs}::int8) AS b
         CROSS JOIN LATERAL (SELECT ${valueSql('b')} AS v) AS w ORDER BY s.id, b`,
      ),
    );
    const rollup1mSeconds = since(started);

    // Raw rows as ingest leaves them: in time order across series (a commit holds every series
    // once per round), tagged with commit ids that grow with time; quality good.
    started = performance.now();
    const rawJobs: string[] = [];
    for (let d = shape.rawDays; d >= 1; d -= 1) {
      const day = today - d * dayMs;
      for (let hour = 0; hour < 24; hour += 6) {
        const from = day + hour * hourMs;
        rawJobs.push(
          `INSERT INTO samples (series_id, time_ms, seq, value, quality, received_ms, commit_id)
           SELECT s.id, t, t / ${sampleMs}, ${valueSql('t')} + ((s.id * t) % 997) / 997.0 - 0.5, 1, t + 300, (t - ${yearFromMs}) / ${sampleMs}
           FROM generate_series(${from}::int8, ${from + 6 * hourMs - 1}::int8, ${sampleMs}::int8) AS t CROSS JOIN series s`,
        );
      }
    }
    const samples = await runJobs(store, shape.workers, rawJobs);
    const samplesSeconds = since(started);

    // What autovacuum would long since have done to rows this old: hint bits and visibility
    // for the rows the queries read, statistics for the planner everywhere.
    started = performance.now();
    await runJobs(store, shape.workers, ['VACUUM (ANALYZE) rollup_1m', 'ANALYZE series', 'ANALYZE rollup_1h', 'ANALYZE samples']);
    const vacuumSeconds = since(started);

    const count = async (table: 'samples' | 'rollup_1m' | 'rollup_1h') => (await store.partitions.list(table)).length;
    const size = await store.pool.query<{ bytes: number }>('SELECT pg_database_size(current_database()) AS bytes');
    return {
      queriedDays,
      keys,
      rows: { series: series.rowCount ?? 0, rollup1h, rollup1m, samples },
      partitions: { samples: await count('samples'), rollup1m: await count('rollup_1m'), rollup1h: await count('rollup_1h') },
      seconds: { partitions: partitionsSeconds, rollup1h: rollup1hSeconds, rollup1m: rollup1mSeconds, samples: samplesSeconds, vacuum: vacuumSeconds, total: since(startedAll) },
      databaseBytes: size.rows[0]!.bytes,
      yearFromMs,
      yearToMs: today,
    };
  } finally {
    await store.close();
  }
}
