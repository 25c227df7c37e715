/**
 * Reads devices that publish JSON over MQTT. Nothing is polled: each message that arrives is
 * mapped into readings of the device its topic names. A payload that is not JSON is counted,
 * logged (rate-limited) and skipped; a path the payload lacks is a bad reading that names it; a
 * message on a topic the entry does not read (a subscription an older agent.yaml left in a
 * persistent session) is counted and skipped. Losing the broker takes the entry and every
 * device it brought in offline (one event each), and getting it back brings them online; with
 * `staleAfter`, a device silent that long goes offline by itself until its next message.
 */
import { formatDurationMs, type Logger } from '@davy/runtime';
import type { PointReading } from '../driver.js';
import { BrokerEntryDriver } from './broker-entry-driver.js';
import { JsonMessages } from './json-messages.js';
import type { MqttDevice } from './mqtt-device.js';
import { SilenceWatch } from './silence-watch.js';
import { readOnceWaitMs } from './timing.js';
import type { TopicRules } from './transport.js';

export class MqttDriver extends BrokerEntryDriver {
  protected override readonly filters: readonly string[];
  protected override readonly rules: TopicRules;
  private readonly messages: JsonMessages;
  private readonly silence?: SilenceWatch;

  constructor(
    private readonly spec: MqttDevice,
    log: Logger,
  ) {
    super(spec.name, spec.connection, spec.maxDevices, log);
    this.messages = new JsonMessages(spec);
    this.filters = this.messages.filters;
    this.rules = { mayPublish: (topic, user) => this.messages.mayPublish(topic, user), maySubscribe: () => false };
    const staleAfterMs = spec.staleAfterMs;
    if (staleAfterMs !== undefined) {
      this.silence = new SilenceWatch(staleAfterMs, (device, silentMs) =>
        this.fleet.setOffline(device, { ...this.eventBody(), reason: `no message for ${formatDurationMs(silentMs)} (staleAfter: ${formatDurationMs(staleAfterMs)})` }),
      );
    }
  }

  protected override onConnected(): void {
    this.silence?.resume();
    for (const device of this.fleet.devices) if (!this.silence?.isSilent(device)) this.fleet.setOnline(device, this.eventBody());
  }

  protected override onDisconnected(): void {
    this.silence?.pause();
  }

  protected override onMessage(topic: string, payload: Buffer): void {
    const routed = this.messages.route(topic, payload, Date.now());
    if ('unmatched' in routed) {
      this.tally.record('unmatched-topic', `a message on ${topic}, which none of the entry's topics (${this.filters.join(', ')}) matches: a subscription left in the broker's session by an earlier configuration?`, { topic });
      return;
    }
    if (!this.fleet.admit(routed.device, `topic ${topic}`)) return;
    this.silence?.heard(routed.device);
    if (this.state === 'online') this.fleet.setOnline(routed.device, this.eventBody());
    if ('malformed' in routed) {
      this.tally.record('malformed', `payload on ${topic}: ${routed.malformed}`, { topic });
      return;
    }
    for (const problem of routed.problems) this.tally.record(problem.kind, `${topic}: ${problem.message}`, { topic });
    this.deliver(routed.device, routed.readings);
  }

  /** Waits for one message of each of the device's topics (of whichever device publishes first). */
  async readOnce(): Promise<PointReading[]> {
    const byMessage = new Map<string | undefined, PointReading[]>();
    const wanted = this.messages.messages;
    let malformed: string | undefined;
    let firstDevice: string | undefined;
    const { problem } = await this.listenOnce((done) => ({
      message: (topic, payload) => {
        const routed = this.messages.route(topic, payload, Date.now());
        if ('unmatched' in routed || (firstDevice !== undefined && routed.device !== firstDevice)) return;
        if ('malformed' in routed) return void (malformed = `${topic}: ${routed.malformed}`);
        firstDevice = routed.device;
        if (!byMessage.has(routed.message)) byMessage.set(routed.message, routed.readings);
        if (wanted.every((message) => byMessage.has(message))) done();
      },
    }));
    const timeMs = Date.now();
    const readings = [...byMessage.values()].flat();
    const missing = this.spec.points.filter((point) => !readings.some((reading) => reading.point === point.name));
    const why = malformed ?? problem;
    const error = `no message on ${this.filters.join(', ')} within ${readOnceWaitMs / 1000} s${why ? ` (${why})` : ''}`;
    return [...readings, ...missing.map((point): PointReading => ({ point: point.name, value: null, timeMs, quality: 'bad', error }))];
  }
}
