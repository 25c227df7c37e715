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

/**
 * The delay after `failures` failures in a row (1 for the first), for a retry whose count is
 * kept elsewhere (a row in a database) rather than in a Backoff.
 */
export function backoffDelayMs(options: BackoffOptions, failures: number): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * (options.factor ?? 2) ** Math.max(0, failures - 1));
  const random = options.random ?? Math.random;
  // Never below a tenth of the initial delay: a zero delay would spin on a dead peer.
  return Math.max(options.initialMs / 10, random() * ceiling);
}

export class Backoff {
  private attempt = 0;
  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; each call raises the ceiling until maxMs. */
  nextDelayMs(): number {
    this.attempt += 1;
    return backoffDelayMs(this.options, this.attempt);
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
