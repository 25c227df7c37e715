/**
 * How a receiver knows a delivery is the hub's and fresh: HMAC-SM3 (GB/T 32905 hash, Node's
 * crypto) keyed with the webhook's secret over `${timestamp}.${body}`. The timestamp is signed
 * with the body so that a captured delivery cannot be replayed later under a new timestamp.
 */
import { createHmac } from 'node:crypto';

/** The Davy-Signature header's value: `hmac-sm3=<hex>`. */
export function webhookSignature(secret: string, timestampMs: number, body: string): string {
  return `hmac-sm3=${createHmac('sm3', secret).update(`${timestampMs}.${body}`).digest('hex')}`;
}
