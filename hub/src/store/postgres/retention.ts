/**
 * Partition upkeep, at open and then every interval: the partitions of today and the days
 * ahead are made before any batch needs them, and with a retention set, raw samples and their
 * 1-minute rollups older than that many whole days are dropped, a partition at a time. The
 * 1-hour rollups stay, so long-range history outlives the raw rows.
 */
import { errorMessage, type Logger } from '@davy/runtime';
import { dayMs, type Partitions } from './partitions.js';

export interface RetentionOptions {
  /** Whole days of raw samples kept before today; undefined keeps everything. */
  retentionDays?: number;
  /** Days after today whose partitions are made ahead. */
  aheadDays: number;
  intervalMs: number;
}

export class PartitionUpkeep {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly partitions: Partitions,
    private readonly options: RetentionOptions,
    private readonly log: Logger,
  ) {}

  async run(nowMs = Date.now()): Promise<void> {
    const today = Math.floor(nowMs / dayMs);
    await this.partitions.ensure(Array.from({ length: this.options.aheadDays + 1 }, (_, i) => (today + i) * dayMs));
    if (this.options.retentionDays !== undefined) {
      await this.partitions.dropBefore(['samples', 'rollup_1m'], (today - this.options.retentionDays) * dayMs);
    }
  }

  start(): void {
    this.timer = setInterval(() => {
      this.run().catch((error: unknown) => this.log.error('store.upkeep_failed', { error: errorMessage(error), retryInMs: this.options.intervalMs }));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
