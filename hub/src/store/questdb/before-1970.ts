/**
 * QuestDB cannot store a designated time before 1970-01-01 (it refuses the whole request).
 * A record timed so — a gateway whose clock was never set — is rejected like any malformed
 * record, with a reason, so it never blocks the gateway's stream.
 */
import type { IngestBatch } from '../store.js';

const reason = (timeMs: number) => `time ${timeMs} ms is before 1970, which QuestDB cannot store: set the gateway's clock (NTP)`;

/** The batch without its records timed before 1970, which are listed as malformed instead. */
export function withoutTimesBefore1970(batch: IngestBatch): IngestBatch {
  const { samples, events, gaps } = batch;
  if (!samples.timeMs.some((t) => t < 0) && !events.some((e) => e.timeMs < 0) && !gaps.some((g) => g.firstTimeMs < 0)) return batch;
  const malformed = [...batch.malformed];
  const keep: number[] = [];
  samples.timeMs.forEach((timeMs, i) => (timeMs < 0 ? malformed.push({ seq: samples.seq[i]!, reason: reason(timeMs) }) : keep.push(i)));
  const pick = <T>(column: T[]) => keep.map((i) => column[i]!);
  const timed = <T extends { seq: number }>(records: T[], timeOf: (record: T) => number) =>
    records.filter((record) => {
      const timeMs = timeOf(record);
      if (timeMs >= 0) return true;
      malformed.push({ seq: record.seq, reason: reason(timeMs) });
      return false;
    });
  return {
    ...batch,
    samples: { seq: pick(samples.seq), series: pick(samples.series), timeMs: pick(samples.timeMs), value: pick(samples.value), quality: pick(samples.quality) },
    events: timed(events, (event) => event.timeMs),
    gaps: timed(gaps, (gap) => gap.firstTimeMs),
    malformed,
  };
}
