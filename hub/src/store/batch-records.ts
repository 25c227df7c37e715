/**
 * What a batch's records become, the same for every store engine: records at or under the
 * outbox's watermark are duplicates, skipped; malformed ones (an undefined or refused series,
 * an unknown quality, a value that is not a number) are rejected with a reason and passed by
 * the watermark, so one bad record never blocks a gateway's stream; the rest are rows to store.
 * The engine writes the rows and the new watermark in one transaction.
 */
import { Quality } from '@davy/proto';
import { isKnownQuality } from './quality.js';
import type { IngestBatch, IngestResult } from './store.js';

export interface SampleRow {
  seriesId: number;
  timeMs: number;
  seq: number;
  /** null for a bad-quality sample: a failed read carries no value. */
  value: number | null;
  quality: number;
  receivedMs: number;
}

export interface EventRow {
  gatewayId: string;
  /** The outbox record's sequence number; null for events the hub writes itself. */
  seq: number | null;
  device: string | null;
  type: string;
  timeMs: number;
  receivedMs: number;
  body: Record<string, unknown>;
}

export interface SortedRecords {
  /** The batch's result, its watermark past every stored and rejected record. */
  result: IngestResult;
  samples: SampleRow[];
  /** In the order they are to be stored: the batch's events, its gaps, then the hub's rejection note. */
  events: EventRow[];
}

const maxReasons = 10;

/** Sorts a batch's records against its outbox's watermark `previous`; `seriesIds` maps the outbox's local series ids. */
export function sortRecords(batch: IngestBatch, previous: number, seriesIds: ReadonlyMap<number, number>): SortedRecords {
  const received = batch.receivedAtMs;
  const result: IngestResult = { watermark: previous, stored: 0, duplicates: 0, rejected: 0, rejections: [] };
  const samples: SampleRow[] = [];
  const events: EventRow[] = [];
  const pass = (seq: number) => {
    result.watermark = Math.max(result.watermark, seq);
  };
  const reject = (seq: number, reason: string) => {
    result.rejected += 1;
    if (result.rejections.length < maxReasons) result.rejections.push(`record ${seq}: ${reason}`);
    pass(seq);
  };
  const store = (seq: number) => {
    result.stored += 1;
    pass(seq);
  };

  for (const record of batch.malformed) {
    if (record.seq > previous) reject(record.seq, record.reason);
  }

  const refusedSeries = new Map(batch.refusedSeries.map((refused) => [refused.localId, refused.reason]));
  const { seq, series, timeMs, value, quality } = batch.samples;
  for (let i = 0; i < seq.length; i += 1) {
    const recordSeq = seq[i]!;
    if (recordSeq <= previous) {
      result.duplicates += 1;
      continue;
    }
    const seriesId = seriesIds.get(series[i]!);
    const q = quality[i]!;
    const v = value[i]!;
    if (seriesId === undefined) {
      const refused = refusedSeries.get(series[i]!);
      reject(recordSeq, refused ? `sample of series ${series[i]}, refused: ${refused}` : `sample of series ${series[i]} which the gateway never defined`);
      continue;
    }
    if (!isKnownQuality(q)) {
      reject(recordSeq, `quality ${q} is not good (1), uncertain (2) or bad (3)`);
      continue;
    }
    if (q !== Quality.QUALITY_BAD && !Number.isFinite(v)) {
      reject(recordSeq, `value ${v} is not a finite number`);
      continue;
    }
    samples.push({ seriesId, timeMs: timeMs[i]!, seq: recordSeq, value: q === Quality.QUALITY_BAD ? null : v, quality: q, receivedMs: received });
    store(recordSeq);
  }

  for (const event of batch.events) {
    if (event.seq <= previous) {
      result.duplicates += 1;
      continue;
    }
    const body = parseBody(event.bodyJson);
    if (body === undefined) {
      reject(event.seq, `event ${event.type} has a body that is not a JSON object`);
      continue;
    }
    events.push({ gatewayId: batch.gatewayId, seq: event.seq, device: event.device || null, type: event.type, timeMs: event.timeMs, receivedMs: received, body });
    store(event.seq);
  }

  for (const gap of batch.gaps) {
    if (gap.seq <= previous) {
      result.duplicates += 1;
      continue;
    }
    const body = { firstDroppedSeq: gap.firstDroppedSeq, lastDroppedSeq: gap.lastDroppedSeq, dropped: gap.dropped, firstTimeMs: gap.firstTimeMs, lastTimeMs: gap.lastTimeMs };
    events.push({ gatewayId: batch.gatewayId, seq: gap.seq, device: null, type: 'outbox.gap', timeMs: gap.firstTimeMs, receivedMs: received, body });
    store(gap.seq);
  }

  if (result.rejected > 0) {
    const body = { rejected: result.rejected, reasons: result.rejections };
    events.push({ gatewayId: batch.gatewayId, seq: null, device: null, type: 'ingest.rejected', timeMs: received, receivedMs: received, body });
  }
  return { result, samples, events };
}

function parseBody(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json === '' ? '{}' : json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
