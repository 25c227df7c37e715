/** What the outbox holds: samples, device events, and gap records for what it had to drop. */
import type { SeriesDefinition as WireSeriesDefinition } from '@davy/proto';

export type QualityCode = 1 | 2 | 3; // good, uncertain, bad: the wire enum's numbers

export interface SampleRecord {
  kind: 'sample';
  series: number;
  timeMs: number;
  value: number;
  quality: QualityCode;
}

export interface EventRecord {
  kind: 'event';
  timeMs: number;
  type: string;
  device: string;
  bodyJson: string;
}

/**
 * `dropped` records were lost, with sequence numbers in [firstDroppedSeq, lastDroppedSeq] and
 * times in [firstTimeMs, lastTimeMs]. Earlier gap records that were themselves dropped are
 * folded in, so the spans of two gaps may overlap, but no lost record is counted twice.
 */
export interface GapRecord {
  kind: 'gap';
  timeMs: number;
  firstDroppedSeq: number;
  lastDroppedSeq: number;
  dropped: number;
  firstTimeMs: number;
  lastTimeMs: number;
}

export type NewRecord = SampleRecord | EventRecord | GapRecord;
export type OutboxRecord = NewRecord & { seq: number };

/** A series as the wire defines it, without the local id the outbox assigns. */
export type SeriesDefinition = Omit<WireSeriesDefinition, 'localId'>;
