/**
 * QuestDB acknowledges a commit once it is in the table's write-ahead log, and applies it to
 * the table a moment later. The store acknowledges batches on the first (durable), and makes
 * every read that follows a commit wait for the second, so a reader sees what was acked.
 */
import type pg from 'pg';
import { sleep } from '@davy/runtime';
import { tableNames } from './schema.js';

interface WalRow {
  name: string;
  suspended: boolean;
  writerTxn: number;
  sequencerTxn: number;
}

/** Resolves once every commit to the store's tables made before the call is applied. */
export async function walApplied(pool: pg.Pool, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let goal: Map<string, number> | undefined;
  for (;;) {
    const { rows } = await pool.query<WalRow>('SELECT name, suspended, writerTxn, sequencerTxn FROM wal_tables()');
    const ours = rows.filter((row) => tableNames.includes(row.name));
    const target = (goal ??= new Map(ours.map((row) => [row.name, row.sequencerTxn])));
    const suspended = ours.find((row) => row.suspended);
    if (suspended) {
      throw new Error(
        `QuestDB has suspended applying the write-ahead log of table ${suspended.name}: its log says why (a full disk, most often); ` +
          `once that is mended, run ALTER TABLE ${suspended.name} RESUME WAL`,
      );
    }
    const behind = ours.filter((row) => row.writerTxn < (target.get(row.name) ?? 0));
    if (behind.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`QuestDB has not applied the write-ahead log of ${behind.map((row) => row.name).join(', ')} within ${timeoutMs} ms; the server may be overloaded`);
    }
    await sleep(5);
  }
}

/** Counts commits, so a read waits only when something was committed since the last wait. */
export class WalCatchUp {
  private committed = 0;
  private applied = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly timeoutMs = 30_000,
  ) {}

  committedOne(): void {
    this.committed += 1;
  }

  async readable(): Promise<void> {
    const target = this.committed;
    if (this.applied >= target) return;
    await walApplied(this.pool, this.timeoutMs);
    this.applied = Math.max(this.applied, target);
  }
}
