/**
 * Reads devices that publish JSON over MQTT. Nothing is polled: each message that arrives is
 * mapped into readings of the device its topic names. A payload that is not JSON is counted,
 * logged (rate-limited) and skipped; a path the payload lacks is a bad reading that names it.
 * Losing the broker takes the entry and every device it brought in offline (one event each),
 * and getting it back brings them online.
 */
import type { Logger } from '@davy/runtime';
import type { DeviceDriver, DeviceHealth, DeviceState, PointReading, ReadingSink } from '../driver.js';
import { ErrorTally } from '../json-mapping/error-tally.js';
import { describeBroker } from './connection-config.js';
import { DeviceFleet } from './device-fleet.js';
import { JsonMessages, type RoutedMessage } from './json-messages.js';
import type { MqttDevice } from './mqtt-device.js';
import { openTransport } from './open-transport.js';
import type { MqttTransport, TransportEvents } from './transport.js';

/** How long `davy-agent device test` waits for the device's messages. */
export const readOnceWaitMs = 15_000;

export class MqttDriver implements DeviceDriver {
  readonly device: string;
  private readonly messages: JsonMessages;
  private readonly tally: ErrorTally;
  private readonly fleet: DeviceFleet;
  private transport?: MqttTransport;
  private state: DeviceState = 'connecting';
  private received = 0;
  private lastGoodReadMs: number | null = null;

  constructor(
    private readonly spec: MqttDevice,
    private readonly log: Logger,
  ) {
    this.device = spec.name;
    this.messages = new JsonMessages(spec);
    this.tally = new ErrorTally(log);
    this.fleet = new DeviceFleet(spec.name, spec.maxDevices, this.tally, log);
  }

  start(sink: ReadingSink): void {
    this.fleet.bind(sink);
    this.fleet.admit(this.device, 'the configuration');
    const broker = describeBroker(this.spec.connection);
    this.transport = this.openTransport();
    this.transport.start({
      message: (topic, payload) => {
        const routed = this.route(topic, payload);
        if (routed) sink.readings(routed.device, routed.readings);
      },
      connected: () => {
        this.state = 'online';
        for (const device of this.fleet.devices) this.fleet.setOnline(device, { broker });
      },
      disconnected: (reason) => {
        if (this.state === 'stopped') return;
        this.state = 'offline';
        for (const device of this.fleet.devices) this.fleet.setOffline(device, { broker, reason });
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

  /** Waits for one message of each of the device's topics (of whichever device publishes first). */
  async readOnce(): Promise<PointReading[]> {
    const byMessage = new Map<string | undefined, PointReading[]>();
    const wanted = this.messages.messages;
    let problem: string | undefined;
    let firstDevice: string | undefined;
    const transport = this.openTransport();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, readOnceWaitMs);
      const events: TransportEvents = {
        message: (topic, payload) => {
          const routed = this.messages.route(topic, payload, Date.now());
          if ('unmatched' in routed || (firstDevice !== undefined && routed.device !== firstDevice)) return;
          if ('malformed' in routed) return void (problem = `${topic}: ${routed.malformed}`);
          firstDevice = routed.device;
          if (!byMessage.has(routed.message)) byMessage.set(routed.message, routed.readings);
          if (wanted.every((message) => byMessage.has(message))) {
            clearTimeout(timer);
            resolve();
          }
        },
        connected: () => undefined,
        disconnected: (reason) => void (problem = reason),
        problem: (_kind, message) => void (problem = message),
      };
      transport.start(events);
    });
    await transport.stop();
    const timeMs = Date.now();
    const readings = [...byMessage.values()].flat();
    const missing = this.spec.points.filter((point) => !readings.some((reading) => reading.point === point.name));
    const why = `no message on ${this.messages.filters.join(', ')} within ${readOnceWaitMs / 1000} s${problem ? ` (${problem})` : ''}`;
    return [...readings, ...missing.map((point): PointReading => ({ point: point.name, value: null, timeMs, quality: 'bad', error: why }))];
  }

  private openTransport(): MqttTransport {
    return openTransport(this.device, this.spec.connection, this.messages.filters, (topic, user) => this.messages.mayPublish(topic, user), this.log);
  }

  /** The readings of one message, or undefined when it is skipped (counted). */
  private route(topic: string, payload: Buffer): { device: string; readings: PointReading[] } | undefined {
    this.received += 1;
    const routed: RoutedMessage = this.messages.route(topic, payload, Date.now());
    if ('unmatched' in routed) return undefined;
    if (!this.fleet.admit(routed.device, `topic ${topic}`)) return undefined;
    if (this.state === 'online') this.fleet.setOnline(routed.device, { broker: describeBroker(this.spec.connection) });
    if ('malformed' in routed) {
      this.tally.record('malformed', `payload on ${topic}: ${routed.malformed}`, { topic });
      return undefined;
    }
    for (const problem of routed.problems) this.tally.record(problem.kind, `${topic}: ${problem.message}`, { topic });
    if (routed.readings.some((reading) => reading.quality !== 'bad')) this.lastGoodReadMs = Date.now();
    return routed;
  }
}
