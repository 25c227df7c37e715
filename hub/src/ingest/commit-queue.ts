/**
 * Group commit: batches that arrive while a commit runs wait and go into the next transaction
 * together. One SQLite transaction per batch would write every series' newest page once per
 * batch; many batches per transaction write it once, which is what makes ingest fast.
 */
import type { IngestBatch, IngestResult, Store } from '../store/store.js';

interface Pending {
  batch: IngestBatch;
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

  submit(batch: IngestBatch): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, resolve, reject });
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
        group.forEach((item, index) => item.resolve(results[index]!));
      } catch (error) {
        for (const item of group) item.reject(error);
      }
    }
    this.running = false;
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
