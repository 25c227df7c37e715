/**
 * Why samples are staged. `samples` is clustered by series and time, so a history read is one
 * range scan. But samples arrive interleaved across thousands of series, and inserting them
 * straight into that order writes one B-tree page per series per commit: with a row or two
 * per series in a commit, the disk writes a page (4 KiB) for every 40-byte row.
 *
 * So a commit appends its samples to `samples_staged` (in arrival order: cheap, and durable
 * with the watermark), and keeps them in memory by series for reads. When enough have
 * gathered, one transaction moves them all into `samples` sorted by series and time, writing
 * each series' page once for many rows. Reads see staged and settled samples alike.
 */
import type Database from 'better-sqlite3';
import { errorMessage, type Logger } from '@davy/runtime';
import type { SampleRow } from '../batch-records.js';

/** A sample of a committed transaction, not settled yet. */
export type StagedSample = SampleRow;

export interface StagingOptions {
  /** Staged samples that trigger a settle: larger settles write fewer pages per sample, but pause ingest longer. */
  settleAt: number;
  /** After a failed settle, wait this long before the next attempt. */
  retryMs: number;
  log?: Logger;
}

/** How far past settleAt staging may grow while settling fails, before new batches are refused. */
const maxBacklogFactor = 5;

export class SampleStaging {
  private readonly bySeries = new Map<number, StagedSample[]>();
  private staged = 0;
  private retryAfterMs = 0;
  private lastError = '';
  private readonly settleTransaction: () => void;

  constructor(
    db: Database.Database,
    private readonly options: StagingOptions,
  ) {
    const move = db.prepare(
      `INSERT OR IGNORE INTO samples (series_id, time_ms, seq, value, quality, received_ms)
       SELECT series_id, time_ms, seq, value, quality, received_ms FROM samples_staged ORDER BY series_id, time_ms, seq`,
    );
    const clear = db.prepare('DELETE FROM samples_staged');
    this.settleTransaction = db.transaction(() => {
      move.run();
      clear.run();
    });
    // Samples staged before a crash or stop: settle them now, so memory and disk agree.
    this.settleTransaction();
  }

  get size(): number {
    return this.staged;
  }

  /** Samples of a committed transaction (never of one that rolled back). */
  add(samples: StagedSample[]): void {
    for (const sample of samples) {
      let list = this.bySeries.get(sample.seriesId);
      if (!list) {
        list = [];
        this.bySeries.set(sample.seriesId, list);
      }
      list.push(sample);
    }
    this.staged += samples.length;
  }

  /**
   * Settles when enough is staged (or anything, with `all`). A failure is logged and retried
   * later: the samples are safe in samples_staged meanwhile.
   */
  settleIfDue(nowMs = Date.now(), all = false): void {
    if (this.staged === 0 || (!all && this.staged < this.options.settleAt) || nowMs < this.retryAfterMs) return;
    try {
      this.settle();
      this.retryAfterMs = 0;
    } catch (error) {
      this.lastError = errorMessage(error);
      this.retryAfterMs = nowMs + this.options.retryMs;
      this.options.log?.error('store.settle_failed', { staged: this.staged, error: this.lastError, retryInMs: this.options.retryMs });
    }
  }

  /** Before a commit: refuses it when settling has failed for so long that memory would run away. */
  assertRoom(): void {
    if (this.staged < this.options.settleAt * maxBacklogFactor) return;
    this.settleIfDue();
    if (this.staged >= this.options.settleAt * maxBacklogFactor) {
      throw new Error(`the store cannot settle its ${this.staged} staged samples (${this.lastError}); new batches wait until it can`);
    }
  }

  private settle(): void {
    if (this.staged === 0) return;
    this.settleTransaction();
    this.bySeries.clear();
    this.staged = 0;
  }

  /** Staged samples of one series in [fromMs, toMs), in (time, seq) order. */
  samplesOf(seriesId: number, fromMs: number, toMs: number): StagedSample[] {
    const list = this.bySeries.get(seriesId);
    if (!list) return [];
    return list.filter((sample) => sample.timeMs >= fromMs && sample.timeMs < toMs).sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq);
  }
}
