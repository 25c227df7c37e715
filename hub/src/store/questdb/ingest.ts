/**
 * The QuestDB write path. QuestDB commits each table on its own, so exactly-once rests on two
 * things instead of one transaction: every row is keyed (schema.ts), so writing it again
 * changes nothing, and a group's rows are written in an order that leaves no state a resend
 * cannot mend —
 *
 *   1. new series and their outbox mappings, so no sample is stored under an id without its series;
 *   2. samples, events and device states;
 *   3. last, the outboxes' watermarks and the gateways.
 *
 * A crash or a failed request anywhere before 3 leaves the watermark where it was: the agent
 * resends, the records of 2 are written again onto themselves, and nothing is doubled. Each
 * step returns only once QuestDB has the rows in its write-ahead log.
 */
import { sortRecords } from '../batch-records.js';
import { earlyReason, earlyResult } from '../batch-order.js';
import { deviceReportOf } from '../device-report.js';
import { decideOutbox, RefusedOutboxes, refusedResult } from '../outbox-takeover.js';
import { storableBatch } from '../storable-text.js';
import type { IngestBatch, IngestResult } from '../store.js';
import type { StoredSamples } from '../stored-samples.js';
import { withoutTimesBefore1970 } from './before-1970.js';
import { GroupDraft } from './group-draft.js';
import type { IlpWriter } from './ilp-writer.js';
import { pairKey, type MetadataState } from './state.js';

export class QuestDbIngest {
  constructor(
    private readonly state: MetadataState,
    private readonly writer: IlpWriter,
    private readonly stored: StoredSamples,
  ) {}

  async commit(batches: IngestBatch[]): Promise<IngestResult[]> {
    const draft = new GroupDraft(this.state);
    const refused = new RefusedOutboxes();
    const results = batches.map((given) => {
      const batch = withoutTimesBefore1970(storableBatch(given));
      const result = refused.earlier(batch) ?? this.commitOne(batch, draft);
      refused.note(batch, result);
      return result;
    });
    await this.writer.write(draft);
    draft.applyTo(this.state);
    this.stored.emit(draft.samples);
    return results;
  }

  private commitOne(batch: IngestBatch, draft: GroupDraft): IngestResult {
    const received = batch.receivedAtMs;
    const watermarkOf = (outboxId: string) => draft.outbox(batch.gatewayId, outboxId)?.watermark ?? 0;
    const watermark = watermarkOf(batch.outboxId);
    // An early batch changes nothing, not even which outbox the gateway sends from.
    const early = earlyReason(batch, watermark);
    const gateway = draft.gateway(batch.gatewayId);
    if (gateway) {
      const decision = decideOutbox(batch, gateway, watermarkOf);
      if (decision.kind === 'refused') return refusedResult(watermark, decision.reason);
      if (early !== undefined) return earlyResult(watermark, early);
      if (decision.kind === 'replaced') draft.addEvent(decision.event, batch.outboxId, -watermark);
    } else if (early !== undefined) {
      return earlyResult(watermark, early);
    }

    const { result, samples, events } = sortRecords(batch, watermark, this.defineSeries(batch, draft));
    draft.samples.push(...samples);
    for (const event of events) {
      draft.addEvent(event, batch.outboxId, event.seq ?? -result.watermark);
      const report = deviceReportOf(event);
      if (report) draft.applyDeviceReport(report);
    }
    const outbox = draft.outbox(batch.gatewayId, batch.outboxId);
    draft.outboxes.set(pairKey(batch.gatewayId, batch.outboxId), {
      gatewayId: batch.gatewayId,
      outboxId: batch.outboxId,
      watermark: result.watermark,
      firstSeenMs: outbox?.firstSeenMs ?? received,
      lastSeenMs: received,
    });
    draft.gateways.set(batch.gatewayId, {
      id: batch.gatewayId,
      enterpriseCode: batch.enterpriseCode || null,
      site: batch.site || null,
      outboxId: batch.outboxId,
      watermark: result.watermark,
      firstSeenMs: gateway?.firstSeenMs ?? received,
      lastSeenMs: received,
      clockSkewMs: batch.sentAtMs - received,
    });
    return result;
  }

  /** Applies the batch's series definitions; returns its outbox's local → hub id map. */
  private defineSeries(batch: IngestBatch, draft: GroupDraft): Map<number, number> {
    for (const definition of batch.series) {
      const id = this.state.seriesIdFor(definition.key);
      const known = draft.series.get(id) ?? this.state.series.get(id);
      // As in the other engines, a key's gateway, device and point are those it was first defined with.
      const identity = known ?? { id, key: definition.key, gatewayId: batch.gatewayId, device: definition.device, point: definition.point };
      draft.defineSeries({ ...identity, metric: definition.metric, unit: definition.unit, intervalMs: definition.intervalMs });
      draft.mapSeries(batch.gatewayId, batch.outboxId, definition.localId, id);
    }
    return draft.seriesIds(batch.gatewayId, batch.outboxId);
  }
}
