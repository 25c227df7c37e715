/**
 * Requests a minute per API key: a token bucket per key that refills continuously, so a key
 * may burst up to its rate and then gets one request per 60/rate seconds. In memory: each hub
 * replica keeps its own count.
 */
export class RateLimits {
  private readonly buckets = new Map<number, { tokens: number; atMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one request; undefined when allowed, else the seconds until the next one is. */
  take(keyId: number, perMinute: number): number | undefined {
    const nowMs = this.now();
    const bucket = this.buckets.get(keyId) ?? { tokens: perMinute, atMs: nowMs };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((nowMs - bucket.atMs) * perMinute) / 60_000);
    bucket.atMs = nowMs;
    this.buckets.set(keyId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.ceil(((1 - bucket.tokens) * 60) / perMinute);
  }
}
