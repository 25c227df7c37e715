/**
 * The request measured — one series, one whole UTC day, 1-minute buckets, avg — made three ways:
 * through the hub's REST API (keep-alive HTTP), and in-process on the store for the ceilings.
 * Every answer is checked: 1,440 buckets, each holding the day's 6 samples a minute.
 */
import http from 'node:http';
import { dayMs } from '../../hub/src/store/postgres/partitions.js';
import type { PostgresStore } from '../../hub/src/store/postgres/postgres-store.js';
import { tokenDigest } from '../../hub/src/auth/token-digest.js';
import type { Target } from './load.js';

export const stepMs = 60_000;
export const bucketsPerDay = dayMs / stepMs;
const samplesPerBucket = 6;
const requestTimeoutMs = 30_000;

interface BucketLike {
  startMs: number;
  value: number | null;
  count: number;
}

/** Throws, saying what was wrong, unless `buckets` are the day's 1,440 full 1-minute buckets. */
function checkBuckets(buckets: BucketLike[] | undefined, target: Target, what: string): void {
  if (!Array.isArray(buckets) || buckets.length !== bucketsPerDay) {
    throw new Error(`${what}: expected ${bucketsPerDay} buckets for series ${target.seriesId} on ${new Date(target.dayMs).toISOString()}, got ${Array.isArray(buckets) ? buckets.length : typeof buckets}`);
  }
  for (let i = 0; i < buckets.length; i += 1) {
    const bucket = buckets[i]!;
    if (bucket.startMs !== target.dayMs + i * stepMs || bucket.count !== samplesPerBucket || typeof bucket.value !== 'number') {
      throw new Error(`${what}: bucket ${i} of series ${target.seriesId} on ${new Date(target.dayMs).toISOString()} is ${JSON.stringify(bucket)}, expected ${samplesPerBucket} samples from ${target.dayMs + i * stepMs}`);
    }
  }
}

export function historyPath(key: string, target: Target): string {
  return `/api/v1/series/history?key=${encodeURIComponent(key)}&from=${target.dayMs}&to=${target.dayMs + dayMs}&step=1m&agg=avg`;
}

/** GET /api/v1/series/history over keep-alive connections, one per client at most. */
export class HubClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly port: number,
    private readonly token: string,
    private readonly keys: Map<number, string>,
    clients: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: clients, maxFreeSockets: clients });
  }

  /** The request and its check; rejects on any status but 200, a timeout or a wrong answer. */
  history = (target: Target): Promise<void> =>
    new Promise((resolve, reject) => {
      const key = this.keys.get(target.seriesId)!;
      const request = http.get(
        { host: '127.0.0.1', port: this.port, path: historyPath(key, target), agent: this.agent, headers: { authorization: `Bearer ${this.token}` } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            try {
              if (response.statusCode !== 200) throw new Error(`GET ${historyPath(key, target)} answered ${response.statusCode}: ${body.slice(0, 500)}`);
              const answer = JSON.parse(body) as { key?: string; buckets?: BucketLike[] };
              if (answer.key !== key) throw new Error(`GET ${historyPath(key, target)} answered for key ${JSON.stringify(answer.key)}`);
              checkBuckets(answer.buckets, target, `GET ${historyPath(key, target)}`);
              resolve();
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      request.setTimeout(requestTimeoutMs, () => request.destroy(new Error(`GET ${historyPath(key, target)}: no answer within ${requestTimeoutMs} ms`)));
      request.on('error', reject);
    });

  close(): void {
    this.agent.destroy();
  }
}

/** The store's history statement alone, as the route calls it (series id known, UTC buckets). */
export function storeHistory(store: PostgresStore): (target: Target) => Promise<void> {
  return async (target) => {
    const buckets = await store.history({ seriesId: target.seriesId, fromMs: target.dayMs, toMs: target.dayMs + dayMs, stepMs, agg: 'avg', alignMs: 0 });
    checkBuckets(buckets, target, 'store.history');
  };
}

/** Every store call one API request makes, in order: the token's digest, the key, the history. */
export function storeRequestCalls(store: PostgresStore, keys: Map<number, string>, token: string): (target: Target) => Promise<void> {
  return async (target) => {
    if (!(await store.hasTokenDigest(tokenDigest(token)))) throw new Error('store.hasTokenDigest: the bench token is not known');
    const series = await store.seriesByKey(keys.get(target.seriesId)!);
    if (series?.id !== target.seriesId) throw new Error(`store.seriesByKey: expected series ${target.seriesId}, got ${JSON.stringify(series)}`);
    const buckets = await store.history({ seriesId: series.id, fromMs: target.dayMs, toMs: target.dayMs + dayMs, stepMs, agg: 'avg', alignMs: 0 });
    checkBuckets(buckets, target, 'store.history');
  };
}
