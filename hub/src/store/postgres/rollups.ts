/**
 * The 1-minute and 1-hour rollups and the `latest` table, kept by the fold.
 *
 * Ingest only appends: a commit's samples go in by COPY, tagged with the id of the commit's row
 * in fold_queue. The fold, every half minute, takes the queued commits, deletes their rows and
 * adds their samples into the rollups and into `latest`, all in one transaction — so each
 * commit is folded exactly once, whatever crashes, and a late sample updates its bucket like
 * any other. Summing up many samples per row at once is what keeps ingest near COPY speed: a
 * province sends each series once per commit, and a row update per sample per table would cost
 * several times the sample itself; half a minute of a series sampled every 5 s is 6 samples a
 * row.
 *
 * Until a commit is folded, readers add its raw samples themselves (history.ts, queries.ts),
 * in the same statement that reads the rollups: one snapshot, so a sample counts exactly once.
 */
import type pg from 'pg';
import { errorMessage, type Logger } from '@davy/runtime';
import { inTransaction } from './pool.js';

export interface Rollup {
  table: 'rollup_1m' | 'rollup_1h';
  widthMs: number;
}

const minutely: Rollup = { table: 'rollup_1m', widthMs: 60_000 };
const hourly: Rollup = { table: 'rollup_1h', widthMs: 3_600_000 };

/** Widest first: history takes the widest rollup that fits its buckets. */
export const rollups: readonly Rollup[] = [hourly, minutely];

/** One fold transaction takes queued commits up to about this many samples. */
const samplesPerPass = 2_000_000;
/** Bounds one run, so a backlog is worked off over several runs rather than in one long one. */
const passesPerRun = 20;
/** The fold's advisory lock: one hub replica folds at a time, the others skip their turn. */
const foldLock = [0x44617679, 3] as const;

const floorTo = (column: string, widthMs: number) => `${column} - ((${column} % ${widthMs}) + ${widthMs}) % ${widthMs}`;

/**
 * Adds sums per (series, bucket_ms) — from `source`, a query with the rollup's columns — into a
 * rollup table; `last` moves only to a newer (time, seq).
 */
function addInto(table: Rollup['table'], source: string): string {
  const newer = '(excluded.last_time_ms, excluded.last_seq) > (r.last_time_ms, r.last_seq)';
  return `INSERT INTO ${table} AS r (series_id, bucket_ms, count, sum, min, max, last_time_ms, last_seq, last)
      SELECT series_id, bucket_ms, count, sum, min, max, last[1]::int8, last[2]::int8, last[3] FROM (${source}) AS sums ORDER BY 1, 2
      ON CONFLICT (series_id, bucket_ms) DO UPDATE SET
        count = r.count + excluded.count, sum = r.sum + excluded.sum,
        min = LEAST(r.min, excluded.min), max = GREATEST(r.max, excluded.max),
        last_time_ms = CASE WHEN ${newer} THEN excluded.last_time_ms ELSE r.last_time_ms END,
        last_seq = CASE WHEN ${newer} THEN excluded.last_seq ELSE r.last_seq END,
        last = CASE WHEN ${newer} THEN excluded.last ELSE r.last END`;
}

/**
 * Adds the raw rows of the commits $1 (times within [$2, $3]) into both rollups and `latest`,
 * with hash aggregates only: the newest of several rows is the greatest of the arrays [time,
 * seq, value] (arrays compare element by element; times and sequence numbers are exact as
 * float8 below 2^53). On equal times in `latest`, the later commit's sample is the newer: it
 * arrived later.
 */
const foldSql = `
  WITH raw AS MATERIALIZED (
    SELECT series_id, time_ms, seq, commit_id, value, quality, received_ms FROM samples
    WHERE commit_id = ANY($1::int8[]) AND time_ms >= $2 AND time_ms <= $3
  ), minutes AS MATERIALIZED (
    SELECT series_id, ${floorTo('time_ms', minutely.widthMs)} AS bucket_ms, COUNT(value) AS count, SUM(value) AS sum, MIN(value) AS min, MAX(value) AS max,
           MAX(ARRAY[time_ms::float8, seq::float8, value]) FILTER (WHERE value IS NOT NULL) AS last
    FROM raw GROUP BY 1, 2
  ), minute_folded AS (
    ${addInto(minutely.table, 'SELECT * FROM minutes WHERE count > 0')}
  ), hour_folded AS (
    ${addInto(
      hourly.table,
      `SELECT series_id, ${floorTo('bucket_ms', hourly.widthMs)} AS bucket_ms, SUM(count)::int8 AS count, SUM(sum) AS sum, MIN(min) AS min, MAX(max) AS max, MAX(last) AS last
       FROM minutes WHERE count > 0 GROUP BY 1, 2`,
    )}
  ), newest AS (
    SELECT series_id, MAX(ARRAY[time_ms::float8, commit_id::float8, seq::float8, quality::float8, received_ms::float8, value]) AS sample FROM raw GROUP BY 1
  ), latest_folded AS (
    INSERT INTO latest AS l (series_id, time_ms, value, quality, received_ms)
    SELECT series_id, sample[1]::int8, sample[6], sample[4]::int2, sample[5]::int8 FROM newest ORDER BY 1
    ON CONFLICT (series_id) DO UPDATE SET time_ms = excluded.time_ms, value = excluded.value, quality = excluded.quality, received_ms = excluded.received_ms
    WHERE excluded.time_ms >= l.time_ms
  )
  SELECT COUNT(*)::int8 AS samples FROM raw`;

export class RollupFold {
  private timer?: NodeJS.Timeout;
  private running: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Folds what is queued (a bounded amount); resolves with the samples folded. One run at a time. */
  run(): Promise<number> {
    this.running = this.running.then(
      () => this.passes(),
      () => this.passes(),
    );
    return this.running;
  }

  private async passes(): Promise<number> {
    let folded = 0;
    for (let pass = 0; pass < passesPerRun; pass += 1) {
      const samples = await this.pass();
      if (samples === undefined) break;
      folded += samples;
    }
    return folded;
  }

  /** One transaction: the oldest queued commits, folded and dequeued together; undefined when none (or another replica is folding). */
  private pass(): Promise<number | undefined> {
    return inTransaction(this.pool, async (client) => {
      const { rows: locked } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS locked', [...foldLock]);
      if (!locked[0]!.locked) return undefined;
      const { rows: queued } = await client.query<{ commit_id: number; min_time_ms: number; max_time_ms: number; samples: number }>(
        'SELECT commit_id, min_time_ms, max_time_ms, samples FROM fold_queue ORDER BY commit_id LIMIT 10000',
      );
      if (queued.length === 0) return undefined;
      let samples = 0;
      const taken = queued.filter((commit) => {
        const take = samples === 0 || samples + commit.samples <= samplesPerPass;
        if (take) samples += commit.samples;
        return take;
      });
      const ids = taken.map((commit) => commit.commit_id);
      await client.query('DELETE FROM fold_queue WHERE commit_id = ANY($1::int8[])', [ids]);
      const minMs = Math.min(...taken.map((commit) => commit.min_time_ms));
      const maxMs = Math.max(...taken.map((commit) => commit.max_time_ms));
      const { rows } = await client.query<{ samples: number }>(foldSql, [ids, minMs, maxMs]);
      return rows[0]!.samples;
    });
  }

  start(): void {
    this.timer = setInterval(() => {
      this.run().catch((error: unknown) => this.log.error('store.fold_failed', { error: errorMessage(error), retryInMs: this.intervalMs }));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a fold under way; what is queued stays for the next hub to fold. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running.catch(() => undefined);
  }
}
