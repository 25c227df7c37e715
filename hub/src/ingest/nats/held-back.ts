/**
 * Batches held back because the records they follow have not been stored (batch-order.ts).
 * Normally those are on their way — in a commit of this or another replica, or redelivered
 * after a replica died — and arrive within the ack wait. When an outbox stays held back well
 * past that, what it waits for is not coming (a batch the stream never took, a hub restored
 * from a backup): the agent is asked to send again from the watermark.
 */
export class HeldBack {
  /** Since when each outbox has been held back, and when its agent was last asked to resend. */
  private readonly outboxes = new Map<string, { sinceMs: number; askedMs: number | null }>();

  constructor(private readonly resendAfterMs: number) {}

  /** Notes a held-back batch; true when the agent should be asked to resend now. */
  held(key: string, nowMs = Date.now()): boolean {
    let entry = this.outboxes.get(key);
    if (!entry) {
      entry = { sinceMs: nowMs, askedMs: null };
      this.outboxes.set(key, entry);
    }
    if (nowMs - entry.sinceMs < this.resendAfterMs) return false;
    if (entry.askedMs !== null && nowMs - entry.askedMs < this.resendAfterMs) return false;
    entry.askedMs = nowMs;
    return true;
  }

  /** A batch of the outbox was stored: it moves again. */
  moved(key: string): void {
    this.outboxes.delete(key);
  }
}
