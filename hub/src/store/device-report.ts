/**
 * What a gateway's device events say of the device's state: device.online and device.offline
 * when it changes, device.health (reads, errors by kind, last good read) every so often. Each
 * engine keeps the newest report per device; an event older than what is stored changes nothing.
 */
import type { EventRow } from './batch-records.js';

interface ReportBase {
  gatewayId: string;
  device: string;
  state: string;
  /** The event's time: when the state began, if it is a new one, and when it was reported. */
  timeMs: number;
}

export type DeviceReport =
  | (ReportBase & { kind: 'state'; reason: string | null })
  | (ReportBase & { kind: 'health'; lastGoodReadMs: number | null; reads: number | null; errorsJson: string | null; lastError: string | null });

const stateOf: Record<string, string | undefined> = { 'device.online': 'online', 'device.offline': 'offline' };

/** The report an event carries, if it is one that says something of a device's state. */
export function deviceReportOf(event: EventRow): DeviceReport | undefined {
  const { gatewayId, device, type, timeMs, body } = event;
  if (device === null) return undefined;
  const state = stateOf[type];
  if (state) return { kind: 'state', gatewayId, device, state, timeMs, reason: typeof body.reason === 'string' ? body.reason : null };
  if (type !== 'device.health' || typeof body.state !== 'string') return undefined;
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
  return {
    kind: 'health',
    gatewayId,
    device,
    state: body.state,
    timeMs,
    lastGoodReadMs: number(body.lastGoodReadMs),
    reads: number(body.reads),
    errorsJson: typeof body.errors === 'object' && body.errors !== null ? JSON.stringify(body.errors) : null,
    lastError: typeof body.lastError === 'string' ? body.lastError : null,
  };
}
