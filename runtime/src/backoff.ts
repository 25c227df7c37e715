/**
 * Exponential backoff with full jitter (delay drawn uniformly from 0 to the current ceiling),
 * so a hundred gateways that lost the hub at the same moment do not come back in lockstep.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; each call raises the ceiling until maxMs. */
  nextDelayMs(): number {
    const factor = this.options.factor ?? 2;
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * factor ** this.attempt);
    this.attempt += 1;
    const random = this.options.random ?? Math.random;
    // Never below a tenth of the initial delay: a zero delay would spin on a dead peer.
    return Math.max(this.options.initialMs / 10, random() * ceiling);
  }

  /** After a success: the next failure starts again from the initial delay. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
