/**
 * What a polled device's driver knows of its health: reads and failures by kind, whether it is
 * online, and the polls that failed in a row. Going offline and coming back online are one
 * event each, logged and handed to the sink.
 */
import type { Logger } from '@davy/runtime';
import type { DeviceHealth, DeviceState, ReadingSink } from '../driver.js';

export class DeviceStatus {
  private state: DeviceState = 'connecting';
  private failedPolls = 0;
  private reads = 0;
  private lastGoodReadMs: number | null = null;
  private lastError: string | null = null;
  private readonly errors: Record<string, number> = {};
  private sink?: ReadingSink;

  /** `where`: what every event body says of the device's address (e.g. host and port). */
  constructor(
    private readonly device: string,
    private readonly where: Record<string, unknown>,
    private readonly log: Logger,
  ) {}

  start(sink: ReadingSink): void {
    this.sink = sink;
  }

  stop(): void {
    this.state = 'stopped';
  }

  get isOnline(): boolean {
    return this.state === 'online';
  }

  /** The reason of the last failure, for readings of a poll that could not be made. */
  get lastFailure(): string | null {
    return this.lastError;
  }

  readAttempted(): void {
    this.reads += 1;
  }

  readSucceeded(timeMs: number): void {
    this.lastGoodReadMs = timeMs;
  }

  readFailed(kind: string, message: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
    this.lastError = message;
  }

  connectFailed(message: string): void {
    this.readFailed('connection', message);
    this.setOffline(message);
  }

  /** After a new connection: the failures before it say nothing of this one. */
  connected(): void {
    this.failedPolls = 0;
  }

  pollAnswered(): void {
    this.failedPolls = 0;
    this.setOnline();
  }

  /** Counts a poll that got no answer; true when that makes `offlineAfter` in a row (the device is then offline). */
  pollFailed(reason: string, offlineAfter: number): boolean {
    this.failedPolls += 1;
    if (this.failedPolls < offlineAfter) return false;
    this.setOffline(`${this.failedPolls} polls in a row failed: ${reason}`);
    return true;
  }

  setOffline(reason: string): void {
    if (this.state === 'offline' || this.state === 'stopped') return;
    this.state = 'offline';
    this.log.warn('device.offline', { reason });
    this.sink?.event(this.device, { type: 'device.offline', timeMs: Date.now(), body: { ...this.where, reason } });
  }

  private setOnline(): void {
    if (this.state === 'online' || this.state === 'stopped') return;
    this.state = 'online';
    this.log.info('device.online');
    this.sink?.event(this.device, { type: 'device.online', timeMs: Date.now(), body: { ...this.where } });
  }

  health(): DeviceHealth {
    return { device: this.device, state: this.state, lastGoodReadMs: this.lastGoodReadMs, errors: { ...this.errors }, reads: this.reads, lastError: this.lastError };
  }
}
