/**
 * Which outbox a gateway id sends from. Sequence numbers count within one outbox (one agent
 * installation), so each outbox keeps its own watermark, and a gateway id belongs to one outbox
 * at a time. Every store engine applies these rules inside its ingest transaction, on the
 * gateway's state as that transaction sees it.
 */
import type { IngestBatch, IngestResult } from './store.js';
import type { EventRow } from './batch-records.js';

/**
 * A second outbox for a gateway id is taken for a reinstalled agent only once the first has
 * been silent this long; before, it is another agent sharing the id (a copied agent.yaml),
 * and letting both in would make each restart the other's watermark.
 */
export const gatewayTakeoverMs = 60_000;

/** The outbox a gateway sends from, as stored. */
export interface GatewayOutbox {
  outboxId: string;
  lastSeenMs: number;
}

export type OutboxDecision =
  /** A new gateway, or its current outbox. */
  | { kind: 'current' }
  /** A reinstalled agent: the gateway switches to this outbox, and the event says so. */
  | { kind: 'replaced'; event: EventRow }
  /** Another agent using the gateway's id: nothing of the batch is stored. */
  | { kind: 'refused'; reason: string };

/** Decides a batch's outbox against the gateway's current one; `watermarkOf` reads an outbox's watermark. */
export function decideOutbox(batch: IngestBatch, current: GatewayOutbox | undefined, watermarkOf: (outboxId: string) => number): OutboxDecision {
  if (!current || current.outboxId === batch.outboxId) return { kind: 'current' };
  const received = batch.receivedAtMs;
  const silentMs = received - current.lastSeenMs;
  if (silentMs < gatewayTakeoverMs) {
    return {
      kind: 'refused',
      reason:
        `gateway id ${batch.gatewayId} is in use by another agent (outbox ${current.outboxId}, last seen ${Math.round(silentMs / 1000)} s ago): ` +
        `give this gateway its own id in agent.yaml; a reinstalled gateway is accepted once the old outbox has been silent for ${gatewayTakeoverMs / 1000} s`,
    };
  }
  // Say so: records of the old outbox that never arrived may be lost with it.
  const body = { previousOutboxId: current.outboxId, previousWatermark: watermarkOf(current.outboxId), outboxId: batch.outboxId, watermark: watermarkOf(batch.outboxId) };
  return { kind: 'replaced', event: { gatewayId: batch.gatewayId, seq: null, device: null, type: 'gateway.outbox_replaced', timeMs: received, receivedMs: received, body } };
}

export function refusedResult(watermark: number, reason: string): IngestResult {
  return { watermark, stored: 0, duplicates: 0, rejected: 0, rejections: [], refused: reason };
}

/**
 * Once a gateway's batch is refused, its later batches in the same group are too: one of them
 * must never be stored (and move the watermark) ahead of a refused one.
 */
export class RefusedOutboxes {
  private readonly refused = new Map<string, IngestResult>();

  /** The refusal of an earlier batch of this batch's outbox in the group, if there was one. */
  earlier(batch: IngestBatch): IngestResult | undefined {
    const result = this.refused.get(outboxKey(batch));
    return result && { ...result, rejections: [] };
  }

  note(batch: IngestBatch, result: IngestResult): void {
    if (result.refused !== undefined) this.refused.set(outboxKey(batch), result);
  }
}

/** One key per (gateway, outbox) pair. */
export function outboxKey(batch: { gatewayId: string; outboxId: string }): string {
  return `${batch.gatewayId}\u0000${batch.outboxId}`;
}
