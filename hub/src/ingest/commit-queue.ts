/**
 * Group commit: batches that arrive while a commit runs wait and go into the next transaction
 * together, so the cost of a commit (a sync to disk) is shared by many batches.
 *
 * Batches from one source (one gateway's stream) are committed in the order submitted, and
 * when one fails or is refused, the ones queued behind it fail too without being committed: a
 * later batch must never move the gateway's watermark past records that were not stored.
 */
import type { IngestBatch, IngestResult, Store } from '../store/store.js';

interface Pending {
  batch: IngestBatch;
  source: object;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

export class CommitQueue {
  private pending: Pending[] = [];
  private running = false;

  constructor(
    private readonly store: Store,
    /** Upper bound of samples in one transaction, to bound latency and memory. */
    private readonly maxSamplesPerCommit = 200_000,
  ) {}

  /** Queues a batch; `source` identifies its stream, whose batches keep their order. */
  submit(batch: IngestBatch, source: object): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, source, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    // Let batches that are already decoded in this turn of the event loop join the first commit.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const group = this.takeGroup();
      try {
        const results = await this.store.ingest(group.map((item) => item.batch));
        group.forEach((item, index) => {
          const result = results[index]!;
          item.resolve(result);
          // A refused batch ends its stream: what is queued behind it must not be stored.
          if (result.refused !== undefined) this.dropQueuedBehind(item.source, new Error(result.refused));
        });
      } catch (error) {
        for (const item of group) item.reject(error);
        for (const source of new Set(group.map((item) => item.source))) this.dropQueuedBehind(source, error);
      }
    }
    this.running = false;
  }

  private dropQueuedBehind(source: object, error: unknown): void {
    const behind = this.pending.filter((item) => item.source === source);
    if (behind.length === 0) return;
    this.pending = this.pending.filter((item) => item.source !== source);
    for (const item of behind) item.reject(error);
  }

  private takeGroup(): Pending[] {
    let samples = 0;
    let count = 0;
    while (count < this.pending.length) {
      samples += this.pending[count]!.batch.samples.seq.length;
      count += 1;
      if (samples >= this.maxSamplesPerCommit) break;
    }
    return this.pending.splice(0, count);
  }
}
