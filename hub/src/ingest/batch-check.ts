/**
 * Turns a batch from any transport into what the store commits, after checking what the
 * store relies on. A record that breaks the contract is kept as `malformed` (counted and
 * passed by the watermark) instead of failing the batch: one bad record must not block a
 * gateway's stream forever.
 */
import { gatewayIdPattern, type Batch, type SampleColumns } from '@davy/proto';
import type { IngestBatch } from '../store/store.js';

export class BatchRejected extends Error {}

export function checkBatch(batch: Batch, receivedAtMs: number): IngestBatch {
  if (!gatewayIdPattern.test(batch.gatewayId)) {
    throw new BatchRejected(`gateway id "${batch.gatewayId}" is not 1-64 letters, digits, "_", "." or "-"`);
  }
  if (batch.outboxId === '') throw new BatchRejected(`gateway ${batch.gatewayId}: the batch has no outbox id`);

  const malformed: IngestBatch['malformed'] = [];
  const refusedSeries: IngestBatch['refusedSeries'] = [];
  const series = batch.series.filter((definition) => {
    // A gateway may only define its own series: <its id>/<device>/<point>.
    const expected = `${batch.gatewayId}/${definition.device}/${definition.point}`;
    if (definition.key === expected) return true;
    refusedSeries.push({ localId: definition.localId, reason: `its series key "${definition.key}" is not "${expected}" (<gateway>/<device>/<point>)` });
    return false;
  });
  const samples = checkColumns(batch.samples, malformed);
  return {
    gatewayId: batch.gatewayId,
    outboxId: batch.outboxId,
    enterpriseCode: batch.enterpriseCode,
    site: batch.site,
    sentAtMs: batch.sentAtMs,
    receivedAtMs,
    series,
    samples,
    events: batch.events,
    gaps: batch.gaps,
    malformed,
    refusedSeries,
    previousSeq: batch.previousSeq,
  };
}

const emptyColumns = (): SampleColumns => ({ seq: [], series: [], timeMs: [], value: [], quality: [] });

/** Columns of unequal length cannot be paired up: every sample they hold is malformed. */
function checkColumns(columns: SampleColumns | undefined, malformed: IngestBatch['malformed']): SampleColumns {
  if (!columns) return emptyColumns();
  const length = columns.seq.length;
  const equal = [columns.series, columns.timeMs, columns.value, columns.quality].every((column) => column.length === length);
  if (equal) return columns;
  const lengths = `seq ${length}, series ${columns.series.length}, time ${columns.timeMs.length}, value ${columns.value.length}, quality ${columns.quality.length}`;
  for (const seq of columns.seq) malformed.push({ seq, reason: `sample columns differ in length (${lengths})` });
  return emptyColumns();
}
