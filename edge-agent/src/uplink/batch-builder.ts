/**
 * Outbox records → a wire batch. Samples go column by column; a series is defined in the
 * batch the first time the stream carries it (`defined` remembers which were). `previousSeq`:
 * the last record sent before these, which the hub must hold before it stores them.
 */
import { Quality, type Batch, type SeriesDefinition } from '@davy/proto';
import type { Outbox } from '../outbox/outbox.js';
import type { OutboxRecord, SeriesDefinition as OutboxSeriesDefinition } from '../outbox/records.js';
import type { GatewayIdentity } from './uplink.js';

export function buildBatch(gateway: GatewayIdentity, outbox: Outbox, records: OutboxRecord[], defined: Set<number>, previousSeq: number, nowMs = Date.now()): Batch {
  const batch: Batch = {
    gatewayId: gateway.id,
    outboxId: outbox.id,
    sentAtMs: nowMs,
    enterpriseCode: gateway.enterprise,
    site: gateway.site,
    series: [],
    samples: { seq: [], series: [], timeMs: [], value: [], quality: [] },
    events: [],
    gaps: [],
    previousSeq,
  };
  const samples = batch.samples!;
  for (const record of records) {
    switch (record.kind) {
      case 'sample': {
        if (!defined.has(record.series)) {
          const definition = outbox.seriesDefinition(record.series);
          if (definition) batch.series.push(toWireDefinition(record.series, definition));
          defined.add(record.series);
        }
        samples.seq.push(record.seq);
        samples.series.push(record.series);
        samples.timeMs.push(record.timeMs);
        samples.value.push(record.value);
        samples.quality.push(record.quality as Quality);
        break;
      }
      case 'event':
        batch.events.push({ seq: record.seq, type: record.type, device: record.device, timeMs: record.timeMs, bodyJson: record.bodyJson });
        break;
      case 'gap':
        batch.gaps.push({
          seq: record.seq,
          firstDroppedSeq: record.firstDroppedSeq,
          lastDroppedSeq: record.lastDroppedSeq,
          dropped: record.dropped,
          firstTimeMs: record.firstTimeMs,
          lastTimeMs: record.lastTimeMs,
        });
        break;
    }
  }
  return batch;
}

function toWireDefinition(localId: number, definition: OutboxSeriesDefinition): SeriesDefinition {
  return { localId, ...definition };
}
