/**
 * Reads one OPC UA server. Each connect builds everything afresh: a client and one session,
 * the point node ids resolved for this server run, one subscription (or polled reads when the
 * server has no subscriptions, or mode is poll). When the link breaks — the server restarted,
 * stopped answering, or closed the session — the device goes offline (one event), the old
 * session is closed on the server if it still lives there, and the driver reconnects with
 * backoff; it comes back online (one event) when values flow again. stop() ends a connect under
 * way at once, closes the session (and the one a broken link left on the server) and releases
 * the certificate manager the driver held for all its connects.
 */
import { Backoff, sleep, type Logger } from '@davy/runtime';
import type { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import type { ClientSession } from 'node-opcua-client';
import type { DeviceDriver, DeviceHealth, DeviceState, PointReading, ReadingSink } from '../driver.js';
import { openAgentCertificates, releaseAgentCertificates } from './agent-certificates.js';
import { warnIfPasswordInClear, type OpcuaDevice } from './opcua-device.js';
import { loadOpcua } from './opcua-library.js';
import { closeOrphanSession, describeFailure, OpcuaLink } from './opcua-link.js';
import { withOneShotLink } from './one-shot-link.js';
import { readPoints, startPolling, type PollOutcome } from './poller.js';
import { resolvePoints, type Resolution } from './point-resolution.js';
import { subscribe, SubscriptionUnsupported } from './subscription.js';

export class OpcuaDriver implements DeviceDriver {
  readonly device: string;
  private readonly backoff: Backoff;
  private sink?: ReadingSink;
  private state: DeviceState = 'connecting';
  /** Aborted by stop(): ends a connect under way, the wait between connects and the wait on a link. */
  private readonly stopping = new AbortController();
  private readonly stopRequested: Promise<string>;
  private running?: Promise<void>;
  /** The session of the last link that broke, for the next link (or stop) to close on the server. */
  private orphan?: ClientSession;
  /** How the driver reads now: subscribe, poll, or poll because the server refused subscriptions. */
  mode: 'subscribe' | 'poll' | 'poll (fallback)';
  /** `reads`: values received from the server, notified or read, whatever their quality. */
  private readonly stats = { reads: 0, lastGoodReadMs: null as number | null, lastError: null as string | null, errors: {} as Record<string, number> };

  constructor(
    private readonly spec: OpcuaDevice,
    private readonly log: Logger,
  ) {
    this.device = spec.name;
    this.mode = spec.mode;
    this.backoff = new Backoff({ initialMs: 500, maxMs: spec.reconnectMaxMs });
    this.stopRequested = new Promise((resolve) => this.stopping.signal.addEventListener('abort', () => resolve('stopped'), { once: true }));
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  start(sink: ReadingSink): void {
    this.sink = sink;
    warnIfPasswordInClear(this.spec, this.log);
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    this.stopping.abort();
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
    warnIfPasswordInClear(this.spec, this.log);
    return withOneShotLink(this.spec, this.log, async (link) => {
      const { values, failed, unresolved } = await readPoints(link, await resolvePoints(link, this.spec.points), true);
      // In the profile's order, as `device test` lists them.
      const byName = new Map([...values, ...failed, ...unresolved].map((reading) => [reading.point, reading]));
      return this.spec.points.map((point) => byName.get(point.name)!);
    });
  }

  private async run(): Promise<void> {
    let certificates: OPCUACertificateManager | undefined;
    let link: OpcuaLink | undefined;
    try {
      while (!this.stopped) {
        let reason: string;
        try {
          certificates ??= await openAgentCertificates(await loadOpcua(), this.spec);
          link = await OpcuaLink.open(this.spec, this.log, { certificates, keepAlive: true, orphan: this.orphan, signal: this.stopping.signal });
          this.orphan = undefined;
          this.backoff.reset();
          // Stopped while the session was being made: the link is closed below, never served.
          if (this.stopped) break;
          reason = await this.serve(link);
        } catch (error) {
          if (this.stopped) break;
          const failure = describeFailure(error, this.spec);
          this.countError(failure.kind, failure.message);
          reason = failure.message;
        }
        if (this.stopped) break;
        this.setOffline(reason);
        if (link) {
          this.orphan = await link.abandon();
          link = undefined;
        }
        await sleep(this.backoff.nextDelayMs(), this.stopping.signal);
      }
    } finally {
      await link?.close();
      if (this.orphan && certificates) await closeOrphanSession(this.spec, this.log, certificates, this.orphan);
      if (certificates) await releaseAgentCertificates(certificates);
    }
  }

  /** Reads over one link until it breaks or the driver stops; returns why it ended. */
  private async serve(link: OpcuaLink): Promise<string> {
    const resolution = await resolvePoints(link, this.spec.points);
    if (resolution.unresolved.length > 0) {
      this.log.warn('opcua.points_unresolved', { points: resolution.unresolved.map(({ point, error }) => `${point.name}: ${error}`) });
    }
    let polled: Resolution = resolution;
    const endings = [link.broken, this.stopRequested];
    if (this.spec.mode === 'subscribe') {
      try {
        const subscription = await subscribe(link, resolution.resolved, (readings) => this.notified(readings), this.log);
        this.mode = 'subscribe';
        this.log.info('opcua.subscribed', { items: subscription.items, refused: subscription.refused.length, publishingIntervalMs: this.spec.publishingIntervalMs });
        if (subscription.refused.length > 0) {
          this.countError('node', subscription.refused[0]!.error, subscription.refused.length);
          this.log.warn('opcua.items_refused', { points: subscription.refused.map(({ point, error }) => `${point.point.name}: ${error}`), polled: true });
        }
        // What the subscription could not take is polled, so every interval still says what became of it.
        polled = { resolved: subscription.refused.map(({ point }) => point), unresolved: resolution.unresolved };
        endings.push(subscription.ended);
      } catch (error) {
        if (!(error instanceof SubscriptionUnsupported)) throw error;
        this.mode = 'poll (fallback)';
        this.log.warn('opcua.poll_fallback', { reason: error.message });
      }
    }
    const polling = startPolling(link, polled, (outcome) => this.polled(outcome));
    try {
      return await Promise.race(endings);
    } finally {
      polling.stop();
    }
  }

  private notified(readings: PointReading[]): void {
    if (this.stopped) return;
    this.received(readings);
    this.sink?.readings(this.device, readings);
  }

  private polled(outcome: PollOutcome): void {
    if (this.stopped) return;
    if (outcome.failure) this.countError(outcome.failure, outcome.failed[0]?.error ?? outcome.failure);
    if (outcome.unresolved.length > 0) this.countError('node', outcome.unresolved[0]!.error!, outcome.unresolved.length);
    this.received(outcome.values);
    const readings = [...outcome.values, ...outcome.failed, ...outcome.unresolved];
    if (readings.length > 0) this.sink?.readings(this.device, readings);
  }

  /** Values the server sent: each is a read, and any one shows the link works. */
  private received(values: PointReading[]): void {
    if (values.length === 0) return;
    this.stats.reads += values.length;
    this.noteQuality(values);
    this.setOnline();
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

  private countError(kind: string, message: string, count = 1): void {
    this.stats.errors[kind] = (this.stats.errors[kind] ?? 0) + count;
    this.stats.lastError = message;
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
