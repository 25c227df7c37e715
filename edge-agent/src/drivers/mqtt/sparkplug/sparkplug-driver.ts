/**
 * Reads a Sparkplug B edge node (or the devices behind it) as a host application: subscribes to
 * the node's topics, asks for a rebirth whenever it (re)connects or meets data it cannot place
 * or a seq gap (at most every rebirthIntervalMs), and turns births and data into readings.
 * Births, data and deaths move devices online and offline; losing the broker takes them
 * offline but keeps the node's session (alias tables, seq), so what the broker queued meanwhile
 * is read on return. A payload that is not Sparkplug protobuf, or a topic of another node (a
 * subscription an older agent.yaml left in a persistent session), is counted and skipped.
 */
import { sparkplugB } from '@davy/proto';
import { errorMessage, type Logger } from '@davy/runtime';
import type { PointReading } from '../../driver.js';
import { BrokerEntryDriver } from '../broker-entry-driver.js';
import { readOnceWaitMs, rebirthIntervalMs } from '../timing.js';
import type { MqttTransport, TopicRules } from '../transport.js';
import type { SparkplugDevice } from './sparkplug-device.js';
import { rebirthRequest, SparkplugSession } from './sparkplug-session.js';
import { commandTopic, isNodeCommandFilter, nodeFilters, parseSparkplugTopic, type SparkplugTopic } from './sparkplug-topic.js';

export class SparkplugDriver extends BrokerEntryDriver {
  protected override readonly filters: readonly string[];
  protected override readonly rules: TopicRules;
  private readonly session: SparkplugSession;
  private lastRebirthMs = -Infinity;

  constructor(
    private readonly spec: SparkplugDevice,
    log: Logger,
  ) {
    super(spec.name, spec.connection, spec.maxDevices, log);
    this.filters = nodeFilters(spec.groupId, spec.edgeNode);
    this.rules = {
      // The entry's users publish as its edge node only, and read only its commands.
      mayPublish: (topic) => this.isNodeTopic(parseSparkplugTopic(topic)),
      maySubscribe: (filter) => isNodeCommandFilter(filter, spec.groupId, spec.edgeNode),
    };
    this.session = new SparkplugSession(spec, {
      admit: (device, source) => this.fleet.admit(device, source),
      readings: (device, readings) => this.deliver(device, readings),
      online: (device) => this.fleet.setOnline(device, this.eventBody()),
      offline: (device, reason) => this.fleet.setOffline(device, { ...this.eventBody(), reason }),
      problem: (kind, message) => this.tally.record(kind, message),
      rebirth: (reason) => this.requestRebirth(reason, false),
      birthsArrived: (skipped) => this.log.info('sparkplug.births_arrived', { node: this.node, skippedBeforeBirth: skipped }),
    });
  }

  private get node(): string {
    return `${this.spec.groupId}/${this.spec.edgeNode}`;
  }

  protected override eventBody(): Record<string, unknown> {
    return { ...super.eventBody(), node: this.spec.edgeNode };
  }

  protected override onConnected(): void {
    // An entry that reads the node's devices is the subscription itself, online with the broker,
    // as an MQTT entry is; one that reads the node's own metrics follows its births and deaths.
    if (this.spec.devices !== undefined) this.fleet.setOnline(this.device, this.eventBody());
    // The node's births may have gone out before this connection: ask for them again. Data the
    // broker queued while the agent was away comes first, and is read with the tables kept.
    this.requestRebirth('connected', true);
  }

  protected override onMessage(topic: string, payload: Buffer): void {
    const parsed = parseSparkplugTopic(topic);
    if (!parsed) return this.tally.record('malformed', `${topic} is not a Sparkplug B topic`, { topic });
    if (!this.isNodeTopic(parsed)) {
      return this.tally.record('unmatched-topic', `a message on ${topic}, not of edge node ${this.node}: a subscription left in the broker's session by an earlier configuration?`, { topic });
    }
    let decoded: sparkplugB.Payload;
    try {
      decoded = sparkplugB.Payload.decode(payload);
    } catch (error) {
      return this.tally.record('malformed', `payload on ${topic} is not a Sparkplug B payload: ${errorMessage(error)}`, { topic });
    }
    this.session.handle(parsed, decoded, Date.now());
  }

  /** Asks for a rebirth and returns the readings of the first birth this entry reads. */
  async readOnce(): Promise<PointReading[]> {
    let readings: PointReading[] | undefined;
    let sessionProblem: string | undefined;
    const { problem } = await this.listenOnce((done) => {
      let transport: MqttTransport | undefined;
      const session: SparkplugSession = new SparkplugSession(this.spec, {
        admit: () => true,
        readings: (_device, birth) => {
          readings ??= birth;
          done();
        },
        online: () => undefined,
        offline: () => undefined,
        problem: (_kind, message) => void (sessionProblem = message),
        rebirth: () => {
          session.rebirthRequested(Date.now());
          transport?.publish(commandTopic(this.spec.groupId, this.spec.edgeNode), rebirthRequest(Date.now()));
        },
        birthsArrived: () => undefined,
      });
      return {
        message: (topic, payload) => {
          const parsed = parseSparkplugTopic(topic);
          if (!parsed || !this.isNodeTopic(parsed)) return;
          try {
            session.handle(parsed, sparkplugB.Payload.decode(payload), Date.now());
          } catch (error) {
            sessionProblem = `payload on ${topic} is not a Sparkplug B payload: ${errorMessage(error)}`;
          }
        },
        connected: (opened) => {
          transport = opened;
          session.rebirthRequested(Date.now());
          opened.publish(commandTopic(this.spec.groupId, this.spec.edgeNode), rebirthRequest(Date.now()));
        },
      };
    });
    if (readings) return readings;
    const timeMs = Date.now();
    const why = sessionProblem ?? problem;
    const error = `no birth certificate from ${this.node} within ${readOnceWaitMs / 1000} s${why ? ` (${why})` : ''}`;
    return this.spec.points.map((point) => ({ point: point.name, value: null, timeMs, quality: 'bad' as const, error }));
  }

  private isNodeTopic(topic: SparkplugTopic | undefined): boolean {
    return topic !== undefined && topic.group === this.spec.groupId && topic.node === this.spec.edgeNode;
  }

  private requestRebirth(reason: string, always: boolean): void {
    const now = Date.now();
    if (!always && now - this.lastRebirthMs < rebirthIntervalMs) return;
    this.lastRebirthMs = now;
    this.log.info('sparkplug.rebirth_requested', { node: this.node, reason });
    this.session.rebirthRequested(now);
    this.transport?.publish(commandTopic(this.spec.groupId, this.spec.edgeNode), rebirthRequest(now));
  }
}
