/**
 * Reads one OPC UA server. Each connect builds everything afresh: a client and one session,
 * the point node ids resolved for this server run, one subscription (or polled reads when the
 * server has no subscriptions, or mode is poll). When the link breaks — the server restarted,
 * stopped answering, or closed the session — the device goes offline (one event), the old
 * session is closed on the server if it still lives there, and the driver reconnects with
 * backoff; it comes back online (one event) when values flow again.
 */
import { Backoff, type Logger } from '@davy/runtime';
import type { ClientSession } from 'node-opcua-client';
import type { DeviceDriver, DeviceHealth, DeviceState, PointReading, ReadingSink } from '../driver.js';
import type { OpcuaDevice } from './opcua-device.js';
import { describeFailure, OpcuaLink } from './opcua-link.js';
import { readPoints, startPolling, type PollOutcome } from './poller.js';
import { resolvePoints, type Resolution } from './point-resolution.js';
import { subscribe, SubscriptionUnsupported } from './subscription.js';

export class OpcuaDriver implements DeviceDriver {
  readonly device: string;
  private readonly backoff: Backoff;
  private sink?: ReadingSink;
  private state: DeviceState = 'connecting';
  private stopped = false;
  private link?: OpcuaLink;
  private running?: Promise<void>;
  private wake?: () => void;
  /** The session of the last link that broke, for the next link to close on the server. */
  private orphan?: ClientSession;
  /** How the driver reads now: subscribe, poll, or poll because the server refused subscriptions. */
  mode: 'subscribe' | 'poll' | 'poll (fallback)';
  private readonly stats = { reads: 0, lastGoodReadMs: null as number | null, lastError: null as string | null, errors: {} as Record<string, number> };

  constructor(
    private readonly spec: OpcuaDevice,
    private readonly log: Logger,
  ) {
    this.device = spec.name;
    this.mode = spec.mode;
    this.backoff = new Backoff({ initialMs: 500, maxMs: spec.reconnectMaxMs });
  }

  start(sink: ReadingSink): void {
    this.sink = sink;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.wake?.();
    this.link?.release();
    await this.running;
  }

  health(): DeviceHealth {
    return {
      device: this.device,
      state: this.state,
      lastGoodReadMs: this.stats.lastGoodReadMs,
      errors: { ...this.stats.errors },
      reads: this.stats.reads,
      lastError: this.stats.lastError,
    };
  }

  async readOnce(): Promise<PointReading[]> {
    const link = await OpcuaLink.open(this.spec, this.log, { keepAlive: false });
    try {
      const resolution = await resolvePoints(link, this.spec.points);
      const { readings } = await readPoints(link, resolution.resolved, true);
      const unresolved = this.unresolvedReadings(resolution);
      // In the profile's order, as `device test` lists them.
      const byName = new Map([...readings, ...unresolved].map((reading) => [reading.point, reading]));
      return this.spec.points.map((point) => byName.get(point.name)!);
    } finally {
      await link.close();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let reason: string;
      try {
        this.link = await OpcuaLink.open(this.spec, this.log, { keepAlive: true, orphan: this.orphan });
        this.orphan = undefined;
        this.backoff.reset();
        reason = await this.serve(this.link);
      } catch (error) {
        const failure = describeFailure(error, this.spec);
        this.countError(failure.kind, failure.message);
        reason = failure.message;
      }
      if (this.stopped) break;
      this.setOffline(reason);
      if (this.link) {
        this.orphan = await this.link.abandon();
        this.link = undefined;
      }
      await this.pause(this.backoff.nextDelayMs());
    }
    await this.link?.close();
    this.link = undefined;
  }

  /** Reads over one link until it breaks; returns why it broke. */
  private async serve(link: OpcuaLink): Promise<string> {
    const resolution = await resolvePoints(link, this.spec.points);
    const unresolved = this.unresolvedReadings(resolution);
    if (unresolved.length > 0) {
      this.countError('node', unresolved[0]!.error!, unresolved.length);
      this.log.warn('opcua.points_unresolved', { points: unresolved.map((reading) => `${reading.point}: ${reading.error}`) });
      this.sink?.readings(this.device, unresolved);
    }
    if (this.spec.mode === 'subscribe') {
      try {
        const subscription = await subscribe(link, resolution.resolved, (readings) => this.received(readings), this.log);
        if (subscription.refused.length > 0) {
          const timeMs = Date.now();
          this.countError('node', subscription.refused[0]!.error, subscription.refused.length);
          this.sink?.readings(this.device, subscription.refused.map(({ point, error }) => ({ point: point.point.name, value: null, timeMs, quality: 'bad' as const, error })));
        }
        this.mode = 'subscribe';
        this.log.info('opcua.subscribed', { items: subscription.items, refused: subscription.refused.length, publishingIntervalMs: this.spec.publishingIntervalMs });
        return await Promise.race([link.broken, subscription.ended]);
      } catch (error) {
        if (!(error instanceof SubscriptionUnsupported)) throw error;
        this.mode = 'poll (fallback)';
        this.log.warn('opcua.poll_fallback', { reason: error.message });
      }
    }
    const polling = startPolling(link, resolution.resolved, (outcome) => this.polled(outcome));
    try {
      return await link.broken;
    } finally {
      polling.stop();
    }
  }

  private received(readings: PointReading[]): void {
    if (this.stopped || readings.length === 0) return;
    this.stats.reads += readings.length;
    this.noteQuality(readings);
    this.setOnline();
    this.sink?.readings(this.device, readings);
  }

  private polled(outcome: PollOutcome): void {
    if (this.stopped) return;
    if (outcome.failure) {
      this.countError(outcome.failure, outcome.readings.find((reading) => reading.error)?.error ?? outcome.failure);
    } else {
      this.setOnline();
    }
    this.stats.reads += 1;
    this.noteQuality(outcome.readings);
    this.sink?.readings(this.device, outcome.readings);
  }

  /** Bad values the server reported count as `status` errors; any good one is a good read. */
  private noteQuality(readings: PointReading[]): void {
    let bad = 0;
    let lastBad: string | undefined;
    for (const reading of readings) {
      if (reading.quality === 'good') this.stats.lastGoodReadMs = Date.now();
      else if (reading.quality === 'bad') {
        bad += 1;
        lastBad = `${reading.point}: ${reading.error ?? 'bad'}`;
      }
    }
    if (bad > 0) this.countError('status', lastBad!, bad);
  }

  private unresolvedReadings(resolution: Resolution): PointReading[] {
    const timeMs = Date.now();
    return resolution.unresolved.map(({ point, error }) => ({ point: point.name, value: null, timeMs, quality: 'bad' as const, raw: point.address.text, error }));
  }

  private countError(kind: string, message: string, count = 1): void {
    this.stats.errors[kind] = (this.stats.errors[kind] ?? 0) + count;
    this.stats.lastError = message;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private setOnline(): void {
    if (this.state === 'online' || this.stopped) return;
    this.state = 'online';
    this.log.info('device.online', { mode: this.mode });
    this.sink?.event(this.device, { type: 'device.online', timeMs: Date.now(), body: { endpoint: this.spec.endpoint, mode: this.mode } });
  }

  private setOffline(reason: string): void {
    if (this.state === 'offline' || this.stopped) return;
    this.state = 'offline';
    this.log.warn('device.offline', { reason });
    this.sink?.event(this.device, { type: 'device.offline', timeMs: Date.now(), body: { endpoint: this.spec.endpoint, reason } });
  }
}
