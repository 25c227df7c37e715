/**
 * A batch follows the records its agent sent before it (`previousSeq`). Over a transport that
 * may hand batches over out of order — a NATS message redelivered after the ones behind it, two
 * hub replicas taking one gateway's batches at once — a batch whose outbox's watermark has not
 * reached its previousSeq is early: storing it would move the watermark past records still on
 * their way, and those would then be skipped as duplicates. Every store engine applies this rule
 * inside its ingest transaction; the transport hands an early batch over again later.
 */
import type { IngestBatch, IngestResult } from './store.js';

export function earlyReason(batch: IngestBatch, watermark: number): string | undefined {
  if (batch.previousSeq <= watermark) return undefined;
  // A heartbeat stores no record: it cannot move the watermark past anything, whenever it comes.
  // (Held back, it would also shut out an agent whose hub fell behind, restored from a backup.)
  if (batch.samples.seq.length + batch.events.length + batch.gaps.length + batch.malformed.length === 0) return undefined;
  return `the batch follows record ${batch.previousSeq} of outbox ${batch.outboxId}, and the hub has stored up to ${watermark}`;
}

export function earlyResult(watermark: number, reason: string): IngestResult {
  return { watermark, stored: 0, duplicates: 0, rejected: 0, rejections: [], early: reason };
}

/** The outbox's watermark once the batch is stored: past every record it carries. */
export function watermarkAfter(batch: IngestBatch, previous: number): number {
  let highest = previous;
  const consider = (seq: number) => {
    if (seq > highest) highest = seq;
  };
  for (const seq of batch.samples.seq) consider(seq);
  for (const event of batch.events) consider(event.seq);
  for (const gap of batch.gaps) consider(gap.seq);
  for (const record of batch.malformed) consider(record.seq);
  return highest;
}
