/**
 * The newest sample of each series among those a transaction stores, so the `latest` table is
 * written once per series per commit, and only by a sample newer than what it holds.
 */
import type { SampleRow } from './batch-records.js';

export class LatestSamples {
  private readonly bySeries = new Map<number, SampleRow>();

  offer(sample: SampleRow): void {
    const current = this.bySeries.get(sample.seriesId);
    if (!current || sample.timeMs >= current.timeMs) this.bySeries.set(sample.seriesId, sample);
  }

  get size(): number {
    return this.bySeries.size;
  }

  values(): IterableIterator<SampleRow> {
    return this.bySeries.values();
  }
}
