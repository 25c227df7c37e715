/**
 * Between the drivers and the outbox: every reading becomes a sample of its series
 * (<gateway>/<device>/<point>), scaled to engineering units, with its quality; device events
 * become event records. Text points (serial numbers, firmware versions) are sent as
 * `point.text` events when they change, since samples carry numbers.
 *
 * Records of one turn of the event loop (the replies of many devices that arrived together)
 * go into the outbox in one transaction: one sync to disk for all of them. When the outbox
 * cannot take them (a failing disk), they wait for the next try, up to a bound; past it the
 * oldest are lost, counted, and reported to the hub in a gap record once the outbox recovers.
 */
import { errorMessage, type Logger } from '@davy/runtime';
import type { DeviceSpec, PointSpec } from '../config/device-spec.js';
import type { DeviceEvent, PointReading, ReadingSink } from '../drivers/driver.js';
import type { Outbox } from '../outbox/outbox.js';
import type { NewRecord, QualityCode } from '../outbox/records.js';
import { ExceptionFilter } from './report-by-exception.js';
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
  private readonly exceptions = new ExceptionFilter();
  private pending: NewRecord[] = [];
  private flushScheduled = false;
  private failingSince: number | null = null;
  private lost = { count: 0, firstTimeMs: Infinity, lastTimeMs: -Infinity };
  appendFailures = 0;

  private readonly specs = new Map<string, PointSpec[]>();
  /** Devices found at run time, and the configured device whose points they took. */
  private readonly discoveredLike = new Map<string, string>();

  constructor(
    private readonly gatewayId: string,
    devices: DeviceSpec[],
    private readonly outbox: Outbox,
    private readonly log: Logger,
    /** Records kept while the outbox fails; beyond, the oldest are lost (and counted). */
    private readonly maxPending = 100_000,
  ) {
    for (const device of devices) this.define(device.name, device.points);
  }

  deviceDiscovered(device: string, like: string): boolean {
    const owner = this.discoveredLike.get(device);
    if (owner !== undefined) return owner === like;
    // A configured device's name, or one another entry found first, is not this entry's to take:
    // its readings would land in someone else's series.
    if (this.series.has(device)) return false;
    const points = this.specs.get(like);
    if (!points) {
      this.warnOnce(`discovered/${like}`, 'pipeline.unknown_template', { device, like });
      return false;
    }
    this.define(device, points);
    this.discoveredLike.set(device, like);
    this.log.info('device.discovered', { device, like, points: points.length });
    return true;
  }

  private define(device: string, points: PointSpec[]): void {
    const ids = this.outbox.seriesIds(
      points.map((spec) => ({
        key: seriesKey(this.gatewayId, device, spec.name),
        device,
        point: spec.name,
        metric: spec.metric,
        unit: spec.unit,
        intervalMs: spec.intervalMs,
      })),
    );
    this.specs.set(device, points);
    this.series.set(device, new Map(points.map((spec, index) => [spec.name, { spec, seriesId: ids[index]! }])));
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
      if (!this.exceptions.passes(entry.seriesId, entry.spec.reportByException, value, quality, reading.timeMs)) continue;
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
    if (this.pending.length === 0) return;
    const lostGap: NewRecord[] =
      this.lost.count === 0
        ? []
        : // Never numbered: the gap says how many and when, with no sequence numbers.
          [{ kind: 'gap', timeMs: Date.now(), firstDroppedSeq: 0, lastDroppedSeq: 0, dropped: this.lost.count, firstTimeMs: this.lost.firstTimeMs, lastTimeMs: this.lost.lastTimeMs }];
    try {
      this.outbox.append([...lostGap, ...this.pending]);
    } catch (error) {
      this.appendFailures += 1;
      if (this.failingSince === null) {
        this.failingSince = Date.now();
        this.log.error('outbox.append_failed', { records: this.pending.length, error: errorMessage(error), keepingUpTo: this.maxPending });
      }
      this.shed();
      return;
    }
    if (this.failingSince !== null) {
      this.log.info('outbox.append_recovered', { failedForMs: Date.now() - this.failingSince, failures: this.appendFailures, lost: this.lost.count });
      this.failingSince = null;
    }
    this.pending = [];
    this.lost = { count: 0, firstTimeMs: Infinity, lastTimeMs: -Infinity };
  }

  /** Past the bound, the oldest pending records go, counted for the gap record. */
  private shed(): void {
    const excess = this.pending.length - this.maxPending;
    if (excess <= 0) return;
    for (const record of this.pending.splice(0, excess)) {
      this.lost.count += 1;
      this.lost.firstTimeMs = Math.min(this.lost.firstTimeMs, record.timeMs);
      this.lost.lastTimeMs = Math.max(this.lost.lastTimeMs, record.timeMs);
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
