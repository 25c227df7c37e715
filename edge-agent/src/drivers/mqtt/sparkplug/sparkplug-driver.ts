/**
 * Reads a Sparkplug B edge node (or the devices behind it) as a host application: subscribes to
 * the node's topics, asks for a rebirth whenever it (re)connects or meets data it cannot place,
 * and turns births and data into readings. Births and deaths move devices online and offline;
 * a payload that is not Sparkplug protobuf is counted, logged (rate-limited) and skipped.
 */
import { sparkplugB } from '@davy/proto';
import { errorMessage, type Logger } from '@davy/runtime';
import type { DeviceDriver, DeviceHealth, DeviceState, PointReading, ReadingSink } from '../../driver.js';
import { ErrorTally } from '../../json-mapping/error-tally.js';
import { describeBroker } from '../connection-config.js';
import { DeviceFleet } from '../device-fleet.js';
import { openTransport } from '../open-transport.js';
import type { MqttTransport, TransportEvents } from '../transport.js';
import { readOnceWaitMs } from '../mqtt-driver.js';
import type { SparkplugDevice } from './sparkplug-device.js';
import { rebirthRequest, SparkplugSession, type SessionOutput } from './sparkplug-session.js';
import { commandTopic, nodeFilters, parseSparkplugTopic } from './sparkplug-topic.js';

/** At most one rebirth request per node in this time: a node needs a moment to publish its births. */
const rebirthIntervalMs = 5_000;

export class SparkplugDriver implements DeviceDriver {
  readonly device: string;
  private readonly tally: ErrorTally;
  private readonly fleet: DeviceFleet;
  private readonly filters: string[];
  private transport?: MqttTransport;
  private state: DeviceState = 'connecting';
  private received = 0;
  private lastGoodReadMs: number | null = null;
  private lastRebirthMs = -Infinity;

  constructor(
    private readonly spec: SparkplugDevice,
    private readonly log: Logger,
  ) {
    this.device = spec.name;
    this.tally = new ErrorTally(log);
    this.fleet = new DeviceFleet(spec.name, spec.maxDevices, this.tally, log);
    this.filters = nodeFilters(spec.groupId, spec.edgeNode);
  }

  start(sink: ReadingSink): void {
    this.fleet.bind(sink);
    this.fleet.admit(this.device, 'the configuration');
    const body = { broker: describeBroker(this.spec.connection), node: this.spec.edgeNode };
    const session = new SparkplugSession(this.spec, {
      admit: (device, source) => this.fleet.admit(device, source),
      readings: (device, readings) => {
        if (readings.some((reading) => reading.quality !== 'bad')) this.lastGoodReadMs = Date.now();
        sink.readings(device, readings);
      },
      online: (device) => this.fleet.setOnline(device, body),
      offline: (device, reason) => this.fleet.setOffline(device, { ...body, reason }),
      problem: (kind, message) => this.tally.record(kind, message),
      rebirth: (reason) => this.requestRebirth(reason, false),
    });
    this.transport = this.open({
      message: (topic, payload) => this.handle(session, topic, payload),
      connected: () => {
        this.state = 'online';
        // The node's births went out before this connection: ask for them again.
        this.requestRebirth('connected', true);
      },
      disconnected: (reason) => {
        if (this.state === 'stopped') return;
        this.state = 'offline';
        session.reset();
        for (const device of this.fleet.devices) this.fleet.setOffline(device, { ...body, reason: `broker connection lost: ${reason}` });
      },
      problem: (kind, message) => this.tally.record(kind, message),
    });
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    await this.transport?.stop();
  }

  health(): DeviceHealth {
    return { device: this.device, state: this.state, lastGoodReadMs: this.lastGoodReadMs, errors: { ...this.tally.counts }, reads: this.received, lastError: this.tally.lastError };
  }

  /** Asks for a rebirth and returns the readings of the first birth this entry reads. */
  async readOnce(): Promise<PointReading[]> {
    let readings: PointReading[] | undefined;
    let problem: string | undefined;
    let transport: MqttTransport | undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, readOnceWaitMs);
      const output: SessionOutput = {
        admit: () => true,
        readings: (_device, birth) => {
          readings ??= birth;
          clearTimeout(timer);
          resolve();
        },
        online: () => undefined,
        offline: () => undefined,
        problem: (_kind, message) => void (problem = message),
        rebirth: () => transport?.publish(commandTopic(this.spec.groupId, this.spec.edgeNode), rebirthRequest(Date.now())),
      };
      const session = new SparkplugSession(this.spec, output);
      transport = this.open({
        message: (topic, payload) => {
          const parsed = parseSparkplugTopic(topic);
          if (parsed) session.handle(parsed, sparkplugB.Payload.decode(payload), Date.now());
        },
        connected: () => output.rebirth('device test'),
        disconnected: (reason) => void (problem = reason),
        problem: (_kind, message) => void (problem = message),
      });
    });
    await transport?.stop();
    if (readings) return readings;
    const timeMs = Date.now();
    const error = `no birth certificate from ${this.spec.groupId}/${this.spec.edgeNode} within ${readOnceWaitMs / 1000} s${problem ? ` (${problem})` : ''}`;
    return this.spec.points.map((point) => ({ point: point.name, value: null, timeMs, quality: 'bad' as const, error }));
  }

  private open(events: TransportEvents): MqttTransport {
    const transport = openTransport(this.device, this.spec.connection, this.filters, (topic) => this.isNodeTopic(topic), this.log);
    transport.start(events);
    return transport;
  }

  private handle(session: SparkplugSession, topic: string, payload: Buffer): void {
    this.received += 1;
    const parsed = parseSparkplugTopic(topic);
    if (!parsed) return this.tally.record('malformed', `${topic} is not a Sparkplug B topic`, { topic });
    let decoded: sparkplugB.Payload;
    try {
      decoded = sparkplugB.Payload.decode(payload);
    } catch (error) {
      return this.tally.record('malformed', `payload on ${topic} is not a Sparkplug B payload: ${errorMessage(error)}`, { topic });
    }
    session.handle(parsed, decoded, Date.now());
  }

  /** The embedded broker's rule for this entry's users: the edge node's own topics only. */
  private isNodeTopic(topic: string): boolean {
    const parsed = parseSparkplugTopic(topic);
    return parsed !== undefined && parsed.group === this.spec.groupId && parsed.node === this.spec.edgeNode;
  }

  private requestRebirth(reason: string, always: boolean): void {
    const now = Date.now();
    if (!always && now - this.lastRebirthMs < rebirthIntervalMs) return;
    this.lastRebirthMs = now;
    this.log.info('sparkplug.rebirth_requested', { node: `${this.spec.groupId}/${this.spec.edgeNode}`, reason });
    this.transport?.publish(commandTopic(this.spec.groupId, this.spec.edgeNode), rebirthRequest(now));
  }
}
