/**
 * What the MQTT (JSON) and Sparkplug drivers share: one device entry's subscription on a
 * broker, the devices it brings in going offline when the broker is lost (one event each), the
 * entry's reads and errors by kind, and `davy-agent device test`'s wait for messages on a
 * connection of its own. Each protocol says what a message means and what a connect asks for.
 */
import type { Logger } from '@davy/runtime';
import type { DeviceDriver, DeviceHealth, DeviceState, PointReading, ReadingSink } from '../driver.js';
import { ErrorTally } from '../json-mapping/error-tally.js';
import { describeBroker, type MqttConnection } from './connection-config.js';
import { DeviceFleet } from './device-fleet.js';
import { openTransport } from './open-transport.js';
import { readOnceWaitMs } from './timing.js';
import type { MqttTransport, TopicRules } from './transport.js';

export abstract class BrokerEntryDriver implements DeviceDriver {
  readonly device: string;
  protected readonly tally: ErrorTally;
  protected readonly fleet: DeviceFleet;
  protected state: DeviceState = 'connecting';
  protected transport?: MqttTransport;
  private sink?: ReadingSink;
  private received = 0;
  private lastGoodReadMs: number | null = null;

  /** What the entry subscribes to. */
  protected abstract readonly filters: readonly string[];
  /** What the embedded broker lets the entry's users do. */
  protected abstract readonly rules: TopicRules;

  constructor(
    name: string,
    protected readonly connection: MqttConnection,
    maxDevices: number,
    protected readonly log: Logger,
  ) {
    this.device = name;
    this.tally = new ErrorTally(log);
    this.fleet = new DeviceFleet(name, maxDevices, this.tally, log);
  }

  start(sink: ReadingSink): void {
    this.sink = sink;
    this.fleet.bind(sink);
    this.fleet.admit(this.device, 'the configuration');
    this.transport = this.openTransport();
    this.transport.start({
      message: (topic, payload) => {
        this.received += 1;
        this.onMessage(topic, payload);
      },
      connected: () => {
        this.state = 'online';
        this.onConnected();
      },
      disconnected: (reason) => {
        if (this.state === 'stopped') return;
        this.state = 'offline';
        this.onDisconnected();
        for (const device of this.fleet.devices) this.fleet.setOffline(device, { ...this.eventBody(), reason });
      },
      problem: (kind, message) => this.tally.record(kind, message),
    });
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    this.onDisconnected();
    await this.transport?.stop();
  }

  health(): DeviceHealth {
    return { device: this.device, state: this.state, lastGoodReadMs: this.lastGoodReadMs, errors: { ...this.tally.counts }, reads: this.received, lastError: this.tally.lastError };
  }

  abstract readOnce(): Promise<PointReading[]>;

  /** A message on one of the entry's filters (counted as a read already). */
  protected abstract onMessage(topic: string, payload: Buffer): void;

  /** Subscribed, at start or after the broker was lost. */
  protected abstract onConnected(): void;

  /** The broker is lost or the driver stops; the devices are taken offline after this. */
  protected onDisconnected(): void {}

  /** What every online and offline event of the entry's devices carries. */
  protected eventBody(): Record<string, unknown> {
    return { broker: describeBroker(this.connection) };
  }

  /** Hands a device's readings to the pipeline. */
  protected deliver(device: string, readings: PointReading[]): void {
    if (readings.some((reading) => reading.quality !== 'bad')) this.lastGoodReadMs = Date.now();
    this.sink?.readings(device, readings);
  }

  protected openTransport(): MqttTransport {
    return openTransport(this.device, this.connection, this.filters, this.rules, this.log);
  }

  /**
   * For `device test`: a connection of its own, until the listener calls `done` or
   * readOnceWaitMs pass. Returns the last thing that went wrong on the way (a refused login, a
   * lost connection), for the error of the points that got no value.
   */
  protected async listenOnce(
    listener: (done: () => void) => { message(topic: string, payload: Buffer): void; connected?(transport: MqttTransport): void },
  ): Promise<{ problem?: string }> {
    const outcome: { problem?: string } = {};
    const transport = this.openTransport();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, readOnceWaitMs);
      const { message, connected } = listener(() => {
        clearTimeout(timer);
        resolve();
      });
      transport.start({
        message,
        connected: () => connected?.(transport),
        disconnected: (reason) => void (outcome.problem = reason),
        problem: (_kind, text) => void (outcome.problem = text),
      });
    });
    await transport.stop();
    return outcome;
  }
}
