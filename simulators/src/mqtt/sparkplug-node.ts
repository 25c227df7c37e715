/**
 * A simulated Sparkplug B edge node: its births (NBIRTH with bdSeq and Node Control/Rebirth,
 * a DBIRTH per device naming every metric with its alias and datatype), data by alias only, and
 * its death certificate (the MQTT will). Each device's metrics are the profile's points, valued
 * by their simulate blocks; with no devices, the node carries the metrics itself.
 */
import type { ProfileDocument } from '@davy/edge-agent/profiles';
import type { Behaviour } from '../behaviours/index.js';
import { dataTypes, encodePayload, type SimulatedMetric } from './sparkplug-codec.js';

export type SparkplugProfile = Extract<ProfileDocument, { protocol: 'sparkplug' }>;

export interface SparkplugMessage {
  topic: string;
  payload: Buffer;
}

export class SimulatedEdgeNode {
  /** Raised at every new MQTT session, as the node's NDEATH will must then match its NBIRTH. */
  bdSeq = 0;
  private seq = 0;

  constructor(
    private readonly profile: SparkplugProfile,
    readonly group: string,
    readonly node: string,
    /** Device ids with their behaviours (one per profile point); empty: the node's own metrics. */
    private readonly devices: ReadonlyArray<{ id: string; behaviours: readonly Behaviour[] }>,
    private readonly nodeBehaviours: readonly Behaviour[],
  ) {}

  topic(type: string, device?: string): string {
    return `spBv1.0/${this.group}/${type}/${this.node}${device === undefined ? '' : `/${device}`}`;
  }

  /** The will: what the broker publishes when the node's connection dies. */
  death(nowMs: number): Buffer {
    return encodePayload({ timestamp: nowMs, metrics: [{ name: 'bdSeq', datatype: dataTypes.UInt64, long: this.bdSeq }] });
  }

  births(nowMs: number): SparkplugMessage[] {
    this.seq = 0;
    const nodeMetrics: SimulatedMetric[] = [
      { name: 'bdSeq', datatype: dataTypes.UInt64, long: this.bdSeq },
      { name: 'Node Control/Rebirth', datatype: dataTypes.Boolean, boolean: false },
      ...(this.devices.length === 0 ? this.metrics(this.nodeBehaviours, 0, true) : []),
    ];
    const messages = [{ topic: this.topic('NBIRTH'), payload: encodePayload({ timestamp: nowMs, seq: this.seq, metrics: nodeMetrics }) }];
    this.devices.forEach((device, index) => {
      const metrics = this.metrics(device.behaviours, aliasBase(index), true);
      messages.push({ topic: this.topic('DBIRTH', device.id), payload: encodePayload({ timestamp: nowMs, seq: this.nextSeq(), metrics }) });
    });
    return messages;
  }

  data(elapsedS: number, nowMs: number): SparkplugMessage[] {
    const advance = (behaviours: readonly Behaviour[]) => behaviours.forEach((behaviour) => behaviour.advancesOn === 'tick' && behaviour.advance(elapsedS));
    if (this.devices.length === 0) {
      advance(this.nodeBehaviours);
      return [{ topic: this.topic('NDATA'), payload: encodePayload({ timestamp: nowMs, seq: this.nextSeq(), metrics: this.metrics(this.nodeBehaviours, 0, false) }) }];
    }
    return this.devices.map((device, index) => {
      advance(device.behaviours);
      const metrics = this.metrics(device.behaviours, aliasBase(index), false);
      return { topic: this.topic('DDATA', device.id), payload: encodePayload({ timestamp: nowMs, seq: this.nextSeq(), metrics }) };
    });
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % 256;
    return this.seq;
  }

  /** Births name each metric with its alias and datatype; data carries the alias and the value only. */
  private metrics(behaviours: readonly Behaviour[], firstAlias: number, birth: boolean): SimulatedMetric[] {
    return this.profile.points.map((point, index) => {
      const double = (behaviours[index]!.value - point.offset) / point.scale;
      const alias = firstAlias + index + 1;
      return birth ? { name: point.sparkplugMetric, alias, datatype: dataTypes.Double, double } : { alias, double };
    });
  }
}

/** Aliases are unique across a node and all its devices: device i's start at (i + 1) × 1000. */
function aliasBase(deviceIndex: number): number {
  return (deviceIndex + 1) * 1000;
}
