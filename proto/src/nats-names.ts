/**
 * How agents and hubs meet on NATS JetStream — the part of the wire contract that is not a
 * protobuf message. Agents publish each batch (an encoded `Batch`) to their gateway's subject in
 * the telemetry stream, with a message id JetStream dedups resends by; hubs consume the stream
 * with one durable pull consumer and write each outbox's watermark to a key-value bucket, which
 * agents read at start and watch for their acks.
 */
export const telemetryStream = 'DAVY_TELEMETRY';
export const telemetrySubjects = 'davy.telemetry.>';
export const hubConsumer = 'davy-hub';
export const watermarkBucket = 'davy-watermarks';

/**
 * A gateway id as one subject token: a "." would split it into several (and "a..b" is no
 * subject at all), so it becomes "=", which gateway ids never hold.
 */
function token(gatewayId: string): string {
  return gatewayId.replaceAll('.', '=');
}

export function telemetrySubject(gatewayId: string): string {
  return `davy.telemetry.${token(gatewayId)}`;
}

export function watermarkKey(gatewayId: string, outboxId: string): string {
  return `${token(gatewayId)}.${outboxId}`;
}

/**
 * The batch's message id: the same records after the same one are the same message, which the
 * stream stores once within its duplicate window. `variant` sets apart what must not be taken
 * for an earlier message: each heartbeat (it carries no records), and batches sent again at a
 * hub's request (the originals may still be remembered by the stream, yet never reached a hub).
 */
export function batchMessageId(gatewayId: string, outboxId: string, previousSeq: number, lastSeq: number, variant?: string): string {
  const id = `${gatewayId}:${outboxId}:${previousSeq}-${lastSeq}`;
  return variant === undefined ? id : `${id}:${variant}`;
}

/**
 * A watermark bucket entry (JSON). `resendFrom`: the hub has held back this outbox's batches
 * for long because the records they follow never came (a batch lost before the stream, or a
 * hub restored from a backup): the agent sends again from here.
 */
export interface WatermarkEntry {
  watermark: number;
  resendFrom?: number;
}

export function encodeWatermarkEntry(entry: WatermarkEntry): string {
  return JSON.stringify(entry);
}

/** The entry, or undefined for a value no hub wrote. */
export function decodeWatermarkEntry(text: string): WatermarkEntry | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { watermark, resendFrom } = value as Record<string, unknown>;
    if (!Number.isSafeInteger(watermark) || (watermark as number) < 0) return undefined;
    if (resendFrom !== undefined && (!Number.isSafeInteger(resendFrom) || (resendFrom as number) < 0)) return undefined;
    return resendFrom === undefined ? { watermark: watermark as number } : { watermark: watermark as number, resendFrom: resendFrom as number };
  } catch {
    return undefined;
  }
}
