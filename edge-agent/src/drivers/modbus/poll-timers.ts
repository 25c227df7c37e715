/**
 * Fixed-rate polling: each poll is due on a multiple of its interval from the first; a poll
 * that overruns its interval skips the ticks it missed instead of running back to back.
 */
export class PollTimers {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  every(intervalMs: number, poll: () => Promise<void>, firstDueMs = Date.now()): void {
    this.schedule(intervalMs, poll, firstDueMs);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(intervalMs: number, poll: () => Promise<void>, dueMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void poll().finally(() => {
        const now = Date.now();
        let next = dueMs + intervalMs;
        if (next <= now) next = now + intervalMs - ((now - dueMs) % intervalMs);
        this.schedule(intervalMs, poll, next);
      });
    }, Math.max(0, dueMs - Date.now()));
    this.timers.add(timer);
  }
}
