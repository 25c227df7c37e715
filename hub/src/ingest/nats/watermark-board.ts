/**
 * Writes each outbox's watermark to the bucket agents watch for their acks. Puts are coalesced
 * per outbox (one in flight, then the newest), so a busy gateway costs one put per round trip,
 * not one per batch; a put that fails is logged and the next commit writes again.
 */
import type { KV } from '@nats-io/kv';
import { encodeWatermarkEntry, watermarkKey, type WatermarkEntry } from '@davy/proto';
import { errorMessage, type Logger } from '@davy/runtime';

interface Slot {
  written: WatermarkEntry | undefined;
  next: WatermarkEntry | undefined;
  writing: boolean;
}

export class WatermarkBoard {
  private readonly slots = new Map<string, Slot>();
  private kv?: KV;

  constructor(private readonly log: Logger) {}

  /** The bucket to write to (again, after the hub set the stream up anew). */
  use(kv: KV): void {
    this.kv = kv;
  }

  /** The outbox's watermark after a commit; an entry with resendFrom asks its agent to send again from there. */
  post(gatewayId: string, outboxId: string, entry: WatermarkEntry): void {
    const key = watermarkKey(gatewayId, outboxId);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { written: undefined, next: undefined, writing: false };
      this.slots.set(key, slot);
    }
    const latest = slot.next ?? slot.written;
    // A resend request stays in every write until the watermark passes it, so the agent sees it.
    if (entry.resendFrom === undefined && latest?.resendFrom !== undefined && entry.watermark <= latest.resendFrom) {
      entry = { watermark: entry.watermark, resendFrom: latest.resendFrom };
      if (entry.watermark <= latest.watermark) return;
    }
    // A plain watermark never goes back: another replica's commit may already have passed it.
    if (entry.resendFrom === undefined && latest && latest.resendFrom === undefined && entry.watermark <= latest.watermark) return;
    slot.next = entry;
    if (!slot.writing) void this.write(key, slot);
  }

  private async write(key: string, slot: Slot): Promise<void> {
    slot.writing = true;
    while (slot.next) {
      const entry = slot.next;
      slot.next = undefined;
      try {
        if (!this.kv) throw new Error('no watermark bucket yet');
        await this.kv.put(key, encodeWatermarkEntry(entry));
        slot.written = entry;
      } catch (error) {
        this.log.warn('nats.watermark_not_written', { key, watermark: entry.watermark, error: errorMessage(error) });
      }
    }
    slot.writing = false;
  }
}
