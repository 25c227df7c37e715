/**
 * Which records an uplink sends next, the same for every transport: a full batch at once, a
 * partial one only once its oldest record has waited batchMaxAge (a timer calls `flushDue`).
 */
import type { Outbox } from '../outbox/outbox.js';
import type { OutboxRecord } from '../outbox/records.js';

export class BatchTaker {
  private flushTimer?: NodeJS.Timeout;

  constructor(
    private readonly outbox: Outbox,
    private readonly settings: { batchMaxRecords: number; batchMaxAge: number },
    private readonly flushDue: () => void,
  ) {}

  /**
   * The records after `sentSeq` to send now: undefined when there are none, or too few yet and
   * not `flush`; empty when only holes (acked or dropped records) are left up to the outbox's
   * last sequence number, which the caller then takes as sent.
   */
  next(sentSeq: number, flush: boolean): OutboxRecord[] | undefined {
    const pending = this.outbox.lastSequence - sentSeq;
    if (pending <= 0) return undefined;
    if (pending < this.settings.batchMaxRecords && !flush) {
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = undefined;
        this.flushDue();
      }, this.settings.batchMaxAge);
      return undefined;
    }
    return this.outbox.readAfter(sentSeq, this.settings.batchMaxRecords);
  }

  stop(): void {
    clearTimeout(this.flushTimer);
  }
}
