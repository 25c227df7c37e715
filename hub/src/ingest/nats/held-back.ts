/**
 * Batches held back because the records they follow have not been stored (batch-order.ts).
 * Normally those are on their way — in a commit of this or another replica, or redelivered
 * after a replica died — and arrive within the ack wait. When an outbox stays held back well
 * past that, what it waits for is not coming (a batch the stream never took, a hub restored
 * from a backup): the agent is asked to send again from the watermark.
 */
export class HeldBack {
  /** Since when each outbox has been held back, when last, and when its agent was last asked to resend. */
  private readonly outboxes = new Map<string, { sinceMs: number; lastMs: number; askedMs: number | null }>();

  /**
   * `gapMs`: held back no more for this long (its batches stored elsewhere, failed, refused), an
   * outbox starts afresh; longer than an agent's heartbeat (10 s), so an idle agent whose
   * heartbeats keep coming early is one long wait.
   */
  constructor(
    private readonly resendAfterMs: number,
    private readonly gapMs = 15_000,
  ) {}

  /** Notes a held-back batch; true when the agent should be asked to resend now. */
  held(key: string, nowMs = Date.now()): boolean {
    let entry = this.outboxes.get(key);
    if (!entry || nowMs - entry.lastMs > this.gapMs) {
      entry = { sinceMs: nowMs, lastMs: nowMs, askedMs: null };
      this.outboxes.set(key, entry);
    }
    entry.lastMs = nowMs;
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
