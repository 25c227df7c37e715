/**
 * The host side of one Sparkplug B edge node session, as the specification describes it:
 * NBIRTH starts a session (its bdSeq and the metrics, with aliases, of the node), DBIRTH adds a
 * device, NDATA / DDATA carry values by alias, DDEATH ends a device, NDEATH (the node's MQTT
 * will) ends the node and all its devices — unless its bdSeq is not the current session's, in
 * which case it is a stale will and ignored. Every message after NBIRTH carries the next seq
 * (0-255); a gap makes the host ask for a rebirth, and a repeat of the last seq is a QoS 1
 * redelivery, skipped.
 *
 * The session belongs to the node, not to the host's broker connection: a reconnect keeps the
 * alias tables and the seq, so the data a persistent session queued while the agent was away is
 * read with them. Only births and deaths replace them.
 *
 * Data the host cannot place (no birth yet) makes it ask the node for a rebirth; until the
 * births it asked for are due (a node needs a moment), such data is the expected gap of a host
 * joining a running node, skipped and reported once at the birth rather than counted as errors.
 */
import { sparkplugB } from '@davy/proto';
import type { PointReading } from '../../driver.js';
import { rebirthIntervalMs } from '../timing.js';
import { MetricTable } from './metric-table.js';
import { metricValue } from './metric-value.js';
import type { SparkplugDevice } from './sparkplug-device.js';
import type { SparkplugTopic } from './sparkplug-topic.js';

export interface SessionOutput {
  /** Whether the device's readings are taken (it may be refused: a bad name, over the limit). */
  admit(device: string, source: string): boolean;
  readings(device: string, readings: PointReading[]): void;
  /** A birth, or data: the device is alive (repeats are expected). */
  online(device: string): void;
  offline(device: string, reason: string): void;
  problem(kind: string, message: string): void;
  rebirth(reason: string): void;
  /** The births the host asked for came; `skipped` messages before them could not be placed. */
  birthsArrived(skipped: number): void;
}

const bdSeqMetric = 'bdSeq';

export class SparkplugSession {
  private born = false;
  private bdSeq?: string;
  private lastSeq?: number;
  private nodeMetrics?: MetricTable;
  /** Only of devices the entry reads and admitted: bounded by `devices:` and maxDevices. */
  private readonly deviceMetrics = new Map<string, MetricTable>();
  private birthsDueByMs = -Infinity;
  private skippedBeforeBirth = 0;

  constructor(
    private readonly spec: SparkplugDevice,
    private readonly out: SessionOutput,
  ) {}

  /** The agent device a Sparkplug device id maps to, or undefined when the entry does not read it. */
  deviceFor(sparkplugDevice: string | undefined): string | undefined {
    const { devices } = this.spec;
    if (sparkplugDevice === undefined) return devices === undefined ? this.spec.name : undefined;
    if (devices === undefined) return undefined;
    return devices === '*' || devices.includes(sparkplugDevice) ? sparkplugDevice : undefined;
  }

  /** The host has asked the node for its births (at connect, or after data it could not place). */
  rebirthRequested(nowMs: number): void {
    this.birthsDueByMs = nowMs + rebirthIntervalMs;
  }

  handle(topic: SparkplugTopic, payload: sparkplugB.Payload, receivedMs: number): void {
    const where = `${topic.type} of ${topic.node}${topic.device ? `/${topic.device}` : ''}`;
    if (topic.type === 'NCMD' || topic.type === 'DCMD') return;
    if (topic.type === 'NDEATH') return this.nodeDeath(payload, where);
    if (topic.type === 'NBIRTH') return this.nodeBirth(payload, receivedMs);
    if (!this.born) return this.cannotPlace(`${where} came before the node's NBIRTH`, `${where} before NBIRTH`, receivedMs);
    // At least once: a message whose PUBACK was lost comes again after a reconnect.
    if (payload.seq !== undefined && payload.seq === this.lastSeq) return;
    this.checkSeq(payload, where);
    if (topic.type === 'NDATA') {
      const node = this.deviceFor(undefined);
      if (node && this.out.admit(node, where)) this.data(node, this.nodeMetrics!, payload, receivedMs, where);
      return;
    }
    const id = topic.device!;
    const device = this.deviceFor(id);
    if (device === undefined) return; // a device of the node this entry does not read
    if (topic.type === 'DDEATH') {
      const known = this.deviceMetrics.delete(id);
      if (known) this.out.offline(device, where);
      return;
    }
    if (!this.out.admit(device, where)) return;
    if (topic.type === 'DBIRTH') return this.deviceBirth(id, device, payload, receivedMs, where);
    const metrics = this.deviceMetrics.get(id);
    if (!metrics) return this.cannotPlace(`${where} came before the device's DBIRTH`, `${where} before DBIRTH`, receivedMs);
    this.data(device, metrics, payload, receivedMs, where);
  }

  private cannotPlace(problem: string, rebirthReason: string, receivedMs: number): void {
    if (receivedMs < this.birthsDueByMs) {
      this.skippedBeforeBirth += 1;
      return;
    }
    this.out.problem('no-birth', problem);
    this.out.rebirth(rebirthReason);
  }

  private nodeBirth(payload: sparkplugB.Payload, receivedMs: number): void {
    this.born = true;
    this.lastSeq = payload.seq;
    this.deviceMetrics.clear();
    this.nodeMetrics = new MetricTable(payload.metrics);
    const bdSeq = payload.metrics.find((metric) => metric.name === bdSeqMetric);
    this.bdSeq = bdSeq?.longValue ?? bdSeq?.intValue?.toString();
    if (this.skippedBeforeBirth > 0) this.out.birthsArrived(this.skippedBeforeBirth);
    this.skippedBeforeBirth = 0;
    const device = this.deviceFor(undefined);
    if (device && this.out.admit(device, `NBIRTH of ${this.spec.edgeNode}`)) {
      this.out.online(device);
      this.out.readings(device, this.birthReadings(this.nodeMetrics, payload, receivedMs, `NBIRTH of ${this.spec.edgeNode}`));
    }
  }

  private deviceBirth(id: string, device: string, payload: sparkplugB.Payload, receivedMs: number, where: string): void {
    const metrics = new MetricTable(payload.metrics);
    this.deviceMetrics.set(id, metrics);
    this.out.online(device);
    this.out.readings(device, this.birthReadings(metrics, payload, receivedMs, where));
  }

  private nodeDeath(payload: sparkplugB.Payload, where: string): void {
    const bdSeq = payload.metrics.find((metric) => metric.name === bdSeqMetric);
    const deathSeq = bdSeq?.longValue ?? bdSeq?.intValue?.toString();
    // A will left by an earlier session (the node has been born again since) is not this session's end.
    if (this.born && deathSeq !== undefined && this.bdSeq !== undefined && deathSeq !== this.bdSeq) return;
    const devices = [...this.deviceMetrics.keys()].flatMap((id) => this.deviceFor(id) ?? []);
    const node = this.deviceFor(undefined);
    this.born = false;
    this.lastSeq = undefined;
    this.nodeMetrics = undefined;
    this.deviceMetrics.clear();
    for (const device of [...devices, ...(node ? [node] : [])]) this.out.offline(device, where);
  }

  private checkSeq(payload: sparkplugB.Payload, where: string): void {
    if (payload.seq === undefined) return;
    const expected = this.lastSeq === undefined ? undefined : (this.lastSeq + 1) % 256;
    this.lastSeq = payload.seq;
    if (expected === undefined || payload.seq === expected) return;
    this.out.problem('sequence', `${where} has seq ${payload.seq}, expected ${expected}: messages were lost or reordered`);
    // What was lost may have been a birth or a death: the births say where the node stands.
    this.out.rebirth(`${where}: seq ${payload.seq}, expected ${expected}`);
  }

  /** A birth carries every metric's value: the profile's points it lacks are bad readings that say so. */
  private birthReadings(metrics: MetricTable, payload: sparkplugB.Payload, receivedMs: number, where: string): PointReading[] {
    const readings = this.readings(metrics, payload, receivedMs, where);
    for (const [metric, point] of this.spec.metrics) {
      if (metrics.has(metric)) continue;
      const error = `metric "${metric}" is not in the ${where}`;
      this.out.problem('missing-metric', error);
      readings.push({ point, value: null, timeMs: payload.timestamp ?? receivedMs, quality: 'bad', error });
    }
    return readings;
  }

  private data(device: string, metrics: MetricTable, payload: sparkplugB.Payload, receivedMs: number, where: string): void {
    const readings = this.readings(metrics, payload, receivedMs, where);
    this.out.online(device);
    if (readings.length > 0) this.out.readings(device, readings);
  }

  private readings(metrics: MetricTable, payload: sparkplugB.Payload, receivedMs: number, where: string): PointReading[] {
    const readings: PointReading[] = [];
    let unknownAliases = 0;
    for (const metric of payload.metrics) {
      const resolved = metrics.resolve(metric);
      if ('unknownAlias' in resolved) {
        unknownAliases += 1;
        this.out.problem('unknown-alias', `${where}: alias ${resolved.unknownAlias} is in no birth certificate`);
        continue;
      }
      if ('unknownName' in resolved) continue;
      const point = this.spec.metrics.get(resolved.name);
      if (point === undefined) continue;
      const timeMs = metric.timestamp ?? payload.timestamp ?? receivedMs;
      const value = metricValue(metric, resolved.datatype);
      if ('error' in value) {
        this.out.problem('metric-value', `${where}: ${resolved.name}: ${value.error}`);
        readings.push({ point, value: null, timeMs, quality: 'bad', error: `${resolved.name}: ${value.error}` });
      } else {
        readings.push({ point, value: value.value, timeMs, quality: 'good', significantDigits: value.significantDigits });
      }
    }
    if (unknownAliases > 0) this.out.rebirth(`${where}: ${unknownAliases} unknown alias${unknownAliases === 1 ? '' : 'es'}`);
    return readings;
  }
}

/** The NCMD that asks an edge node to publish its births again. */
export function rebirthRequest(timeMs: number): Buffer {
  const payload = sparkplugB.Payload.fromPartial({
    timestamp: timeMs,
    metrics: [{ name: 'Node Control/Rebirth', datatype: sparkplugB.DataType.Boolean, booleanValue: true }],
  });
  return Buffer.from(sparkplugB.Payload.encode(payload).finish());
}
