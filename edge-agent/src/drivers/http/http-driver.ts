/**
 * Polls one device's JSON endpoint at a fixed rate and maps the answer into readings. A failed
 * request (an error status or a redirect, a timeout, no connection, a certificate that does not
 * check out, an answer that is not JSON) makes every point a bad reading that says why; after
 * `offlineAfterFailures` in a row the device goes offline (one event), and the next good answer
 * brings it back online (one event).
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '@davy/runtime';
import type { DeviceDriver, DeviceHealth, DeviceState, PointReading, ReadingSink } from '../driver.js';
import { ErrorTally } from '../json-mapping/error-tally.js';
import { JsonMapping } from '../json-mapping/json-mapping.js';
import { safeUrl, type HttpDevice } from './http-device.js';
import { HttpFailure, requestJson } from './http-request.js';

export class HttpDriver implements DeviceDriver {
  readonly device: string;
  private readonly mapping: JsonMapping;
  private readonly tally: ErrorTally;
  private readonly where: string;
  private sink?: ReadingSink;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private state: DeviceState = 'connecting';
  private failuresInARow = 0;
  private requests = 0;
  private lastGoodReadMs: number | null = null;
  private ca?: Buffer;

  constructor(
    private readonly spec: HttpDevice,
    private readonly log: Logger,
  ) {
    this.device = spec.name;
    this.mapping = new JsonMapping(spec.jsonPoints, spec.timestampPath);
    this.tally = new ErrorTally(log);
    this.where = `${spec.method} ${safeUrl(spec.url)}`;
  }

  start(sink: ReadingSink): void {
    this.sink = sink;
    this.schedule(Date.now());
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.timer);
    await this.polling;
  }

  health(): DeviceHealth {
    return { device: this.device, state: this.state, lastGoodReadMs: this.lastGoodReadMs, errors: { ...this.tally.counts }, reads: this.requests, lastError: this.tally.lastError };
  }

  async readOnce(): Promise<PointReading[]> {
    const result = await this.fetchReadings();
    return 'failure' in result ? this.badReadings(result.failure.message) : result.readings;
  }

  /** Fixed rate: a poll that overruns its interval skips the ticks it missed. */
  private schedule(dueMs: number): void {
    if (this.state === 'stopped') return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        const intervalMs = this.spec.pollIntervalMs;
        const lateMs = Date.now() - dueMs;
        this.schedule(dueMs + intervalMs * Math.max(1, Math.ceil(lateMs / intervalMs)));
      });
    }, Math.max(0, dueMs - Date.now()));
  }

  private async poll(): Promise<void> {
    const result = await this.fetchReadings();
    if (this.state === 'stopped') return;
    if ('failure' in result) {
      const { kind, message } = result.failure;
      this.tally.record(kind, message);
      this.sink?.readings(this.device, this.badReadings(message));
      this.failuresInARow += 1;
      if (this.failuresInARow >= this.spec.offlineAfterFailures && this.state !== 'offline') {
        this.state = 'offline';
        const reason = `${this.failuresInARow} requests in a row failed: ${message}`;
        this.log.warn('device.offline', { url: safeUrl(this.spec.url), reason });
        this.sink?.event(this.device, { type: 'device.offline', timeMs: Date.now(), body: { url: safeUrl(this.spec.url), reason } });
      }
      return;
    }
    for (const problem of result.problems) this.tally.record(problem.kind, `${this.where}: ${problem.message}`);
    this.sink?.readings(this.device, result.readings);
    this.failuresInARow = 0;
    if (result.readings.some((reading) => reading.quality !== 'bad')) this.lastGoodReadMs = Date.now();
    if (this.state !== 'online') {
      this.state = 'online';
      this.log.info('device.online', { url: safeUrl(this.spec.url) });
      this.sink?.event(this.device, { type: 'device.online', timeMs: Date.now(), body: { url: safeUrl(this.spec.url) } });
    }
  }

  private async fetchReadings(): Promise<
    { readings: PointReading[]; problems: Array<{ kind: string; message: string }> } | { failure: { kind: string; message: string } }
  > {
    this.requests += 1;
    let body: string;
    try {
      body = await requestJson(this.spec, this.readCa());
    } catch (error) {
      if (error instanceof HttpFailure) return { failure: { kind: error.kind, message: error.message } };
      throw error;
    }
    const mapped = this.mapping.map(body, Date.now());
    if ('malformed' in mapped) return { failure: { kind: 'malformed', message: `${this.where}: the answer is ${mapped.malformed}` } };
    return mapped;
  }

  /** The device's CA, read once (agent.yaml's load found it readable). */
  private readCa(): Buffer | undefined {
    if (this.spec.tlsCa === undefined) return undefined;
    try {
      this.ca ??= readFileSync(this.spec.tlsCa);
      return this.ca;
    } catch (error) {
      throw new HttpFailure('config', `cannot read tls.ca ${this.spec.tlsCa} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }

  private badReadings(error: string): PointReading[] {
    const timeMs = Date.now();
    return this.spec.points.map((point) => ({ point: point.name, value: null, timeMs, quality: 'bad' as const, error }));
  }
}
