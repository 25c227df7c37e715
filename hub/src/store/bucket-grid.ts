/**
 * The buckets a history query answers, the same for every engine: every bucket from the one
 * holding fromMs up to toMs, empty ones included, each starting at alignMs plus a whole number
 * of steps. An engine finds the buckets that hold samples; this fills in the rest.
 */
import type { Aggregate, Bucket, BucketQuery } from './store.js';

/** The start of the bucket that holds fromMs: at or before it, so no sample time is before it. */
export function firstBucketStart(query: Pick<BucketQuery, 'fromMs' | 'stepMs' | 'alignMs'>): number {
  return query.alignMs + Math.floor((query.fromMs - query.alignMs) / query.stepMs) * query.stepMs;
}

/** What an empty bucket answers: a count of 0, no value for the other aggregates. */
export function emptyValue(agg: Aggregate): number | null {
  return agg === 'count' ? 0 : null;
}

/** Every bucket of the query, in time order, from the non-empty ones `found` by their start. */
export function bucketGrid(query: BucketQuery, found: ReadonlyMap<number, Bucket>): Bucket[] {
  const buckets: Bucket[] = [];
  for (let start = firstBucketStart(query); start < query.toMs; start += query.stepMs) {
    buckets.push(found.get(start) ?? { startMs: start, value: emptyValue(query.agg), count: 0 });
  }
  return buckets;
}
