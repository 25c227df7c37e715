/**
 * What one group of batches changes, kept apart from the store's state until its commit has
 * returned: each batch of the group sees what the batches before it changed, and a failed
 * commit leaves the state as it was.
 */
import type { EventRow, SampleRow } from '../batch-records.js';
import type { DeviceReport } from '../device-report.js';
import type { SeriesInfo } from '../store.js';
import { pairKey, type DeviceRecord, type GatewayRecord, type MetadataState, type OutboxRecord } from './state.js';

export interface StoredEventRow extends EventRow {
  id: number;
  outboxId: string;
  /** The key QuestDB deduplicates the event on, with its time, gateway, outbox and type (schema.ts). */
  keySeq: number;
}

export class GroupDraft {
  readonly gateways = new Map<string, GatewayRecord>();
  readonly outboxes = new Map<string, OutboxRecord>();
  readonly series = new Map<number, SeriesInfo>();
  /** By pairKey(gateway, outbox): the mappings this group adds or changes. */
  readonly outboxSeries = new Map<string, { gatewayId: string; outboxId: string; ids: Map<number, number> }>();
  readonly devices = new Map<string, DeviceRecord>();
  readonly samples: SampleRow[] = [];
  readonly events: StoredEventRow[] = [];

  constructor(private readonly state: MetadataState) {}

  gateway(id: string): GatewayRecord | undefined {
    return this.gateways.get(id) ?? this.state.gateways.get(id);
  }

  outbox(gatewayId: string, outboxId: string): OutboxRecord | undefined {
    const key = pairKey(gatewayId, outboxId);
    return this.outboxes.get(key) ?? this.state.outboxes.get(key);
  }

  /** The outbox's local → hub series ids as this group leaves them. */
  seriesIds(gatewayId: string, outboxId: string): Map<number, number> {
    const key = pairKey(gatewayId, outboxId);
    return new Map([...(this.state.outboxSeries.get(key) ?? []), ...(this.outboxSeries.get(key)?.ids ?? [])]);
  }

  defineSeries(info: SeriesInfo): void {
    const stored = this.series.get(info.id) ?? this.state.series.get(info.id);
    if (!stored || !sameSeries(stored, info)) this.series.set(info.id, info);
  }

  mapSeries(gatewayId: string, outboxId: string, localId: number, seriesId: number): void {
    const key = pairKey(gatewayId, outboxId);
    const current = this.outboxSeries.get(key)?.ids.get(localId) ?? this.state.outboxSeries.get(key)?.get(localId);
    if (current === seriesId) return;
    const added = this.outboxSeries.get(key) ?? { gatewayId, outboxId, ids: new Map<number, number>() };
    added.ids.set(localId, seriesId);
    this.outboxSeries.set(key, added);
  }

  addEvent(event: EventRow, outboxId: string, keySeq: number): void {
    this.events.push({ ...event, id: this.state.nextEventId(), outboxId, keySeq });
  }

  /** Keeps the device's newest report: one older than what is known changes nothing. */
  applyDeviceReport(report: DeviceReport): void {
    const key = pairKey(report.gatewayId, report.device);
    const known = this.devices.get(key) ?? this.state.devices.get(key);
    if (known && report.timeMs < known.reportedMs) return;
    const stateSinceMs = known && known.state === report.state ? known.stateSinceMs : report.timeMs;
    const base: DeviceRecord = known ?? { gatewayId: report.gatewayId, device: report.device, state: report.state, stateSinceMs, reason: null, lastGoodReadMs: null, reads: null, errorsJson: null, lastError: null, reportedMs: report.timeMs };
    const next: DeviceRecord =
      report.kind === 'state'
        ? { ...base, state: report.state, stateSinceMs, reason: report.reason, reportedMs: report.timeMs }
        : { ...base, state: report.state, stateSinceMs, lastGoodReadMs: report.lastGoodReadMs, reads: report.reads, errorsJson: report.errorsJson, lastError: report.lastError, reportedMs: report.timeMs };
    this.devices.set(key, next);
  }

  /** Makes the group's changes the store's state, once its commit has returned. */
  applyTo(state: MetadataState): void {
    for (const [id, gateway] of this.gateways) state.gateways.set(id, gateway);
    for (const [key, outbox] of this.outboxes) state.outboxes.set(key, outbox);
    for (const [id, info] of this.series) state.series.set(id, info);
    for (const [key, added] of this.outboxSeries) state.outboxSeries.set(key, new Map([...(state.outboxSeries.get(key) ?? []), ...added.ids]));
    for (const [key, device] of this.devices) state.devices.set(key, device);
  }
}

function sameSeries(a: SeriesInfo, b: SeriesInfo): boolean {
  return a.key === b.key && a.gatewayId === b.gatewayId && a.device === b.device && a.point === b.point && a.metric === b.metric && a.unit === b.unit && a.intervalMs === b.intervalMs;
}
