/**
 * Between the drivers and the outbox: every reading becomes a sample of its series
 * (<gateway>/<device>/<point>), scaled to engineering units, with its quality; device events
 * become event records. Text points (serial numbers, firmware versions) are sent as
 * `point.text` events when they change, since samples carry numbers.
 *
 * Records of one turn of the event loop (the replies of many devices that arrived together)
 * go into the outbox in one transaction: one sync to disk for all of them.
 */
import { errorMessage, type Logger } from '@davy/runtime';
import type { DeviceSpec, PointSpec } from '../config/device-spec.js';
import type { DeviceEvent, PointReading, ReadingSink } from '../drivers/driver.js';
import type { Outbox } from '../outbox/outbox.js';
import type { NewRecord, QualityCode } from '../outbox/records.js';
import { scaleValue } from './scale.js';

const qualityCode: Record<PointReading['quality'], QualityCode> = { good: 1, uncertain: 2, bad: 3 };

interface SeriesEntry {
  spec: PointSpec;
  seriesId: number;
}

export function seriesKey(gatewayId: string, device: string, point: string): string {
  return `${gatewayId}/${device}/${point}`;
}

export class PointPipeline implements ReadingSink {
  private readonly series = new Map<string, Map<string, SeriesEntry>>();
  private readonly lastText = new Map<string, string>();
  private readonly warned = new Set<string>();
  private pending: NewRecord[] = [];
  private flushScheduled = false;
  appendFailures = 0;

  constructor(
    gatewayId: string,
    devices: DeviceSpec[],
    private readonly outbox: Outbox,
    private readonly log: Logger,
  ) {
    for (const device of devices) {
      const ids = outbox.seriesIds(
        device.points.map((spec) => ({
          key: seriesKey(gatewayId, device.name, spec.name),
          device: device.name,
          point: spec.name,
          metric: spec.metric,
          unit: spec.unit,
          intervalMs: spec.intervalMs,
        })),
      );
      this.series.set(device.name, new Map(device.points.map((spec, index) => [spec.name, { spec, seriesId: ids[index]! }])));
    }
  }

  readings(device: string, readings: PointReading[]): void {
    const points = this.series.get(device);
    const records: NewRecord[] = [];
    for (const reading of readings) {
      const entry = points?.get(reading.point);
      if (!entry) {
        this.warnOnce(`${device}/${reading.point}`, 'pipeline.unknown_point', { device, point: reading.point });
        continue;
      }
      if (typeof reading.value === 'string') {
        const key = `${device}/${reading.point}`;
        if (this.lastText.get(key) === reading.value) continue;
        this.lastText.set(key, reading.value);
        records.push({ kind: 'event', type: 'point.text', device, timeMs: reading.timeMs, bodyJson: JSON.stringify({ point: reading.point, value: reading.value }) });
        continue;
      }
      let quality = qualityCode[reading.quality];
      const value = reading.value === null ? Number.NaN : scaleValue(reading.value, entry.spec);
      // A NaN or infinite float from a device is a sensor fault, never a number to report.
      if (!Number.isFinite(value)) quality = qualityCode.bad;
      records.push({ kind: 'sample', series: entry.seriesId, timeMs: reading.timeMs, value, quality });
    }
    this.enqueue(records);
  }

  event(device: string, event: DeviceEvent): void {
    this.enqueue([{ kind: 'event', type: event.type, device, timeMs: event.timeMs, bodyJson: JSON.stringify(event.body) }]);
  }

  /** Appends what is pending now (the agent calls it before it closes the outbox). */
  flush(): void {
    this.flushScheduled = false;
    const records = this.pending;
    if (records.length === 0) return;
    this.pending = [];
    try {
      this.outbox.append(records);
    } catch (error) {
      // E.g. a full disk: the readings are lost, but the agent keeps reading and says so.
      this.appendFailures += 1;
      this.log.error('outbox.append_failed', { records: records.length, error: errorMessage(error), failures: this.appendFailures });
    }
  }

  private enqueue(records: NewRecord[]): void {
    for (const record of records) this.pending.push(record);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private warnOnce(key: string, event: string, fields: Record<string, unknown>): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.warn(event, fields);
  }
}
