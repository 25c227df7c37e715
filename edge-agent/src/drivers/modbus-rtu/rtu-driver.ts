/**
 * Polls one slave on a Modbus RTU line. The points, poll groups, decoding, bad readings and
 * online/offline events are the Modbus TCP driver's; what differs is that every request goes
 * through the line's one scheduler, shared with the other slaves on it, and that a slave which
 * stops answering is backed off: after `offlineAfterFailures` polls without an answer it is
 * offline, and each later try that fails draws a longer delay before the next (below 1 s, 2 s,
 * 4 s … 30 s: full jitter), its polls in between bad readings that say so without touching the
 * line. Its failures and backoff are its own, so a rebuilt line gives it no tries back. So a
 * dead slave costs the live ones one timeout per try, and a handful of tries a minute.
 */
import { Backoff, formatDurationMs, sleep, type Logger } from '@davy/runtime';
import type { DeviceDriver, DeviceHealth, PointReading, ReadingSink } from '../driver.js';
import { DeviceStatus, planPollGroups, PollTimers, readGroup, unreadGroup, type ModbusPoint, type PollGroup, type ReadRange } from '../modbus/index.js';
import { LineScheduler } from './line-scheduler.js';
import { agentLines, type LinePool } from './line-pool.js';
import { RtuBus, type LineMember } from './rtu-bus.js';
import { RtuConnection } from './rtu-connection.js';
import type { ModbusRtuDevice } from './rtu-device.js';
import { lineAddress } from './rtu-line.js';

export class ModbusRtuDriver implements DeviceDriver {
  readonly device: string;
  private readonly groups: PollGroup[];
  private readonly points: ReadonlyMap<string, ModbusPoint>;
  private readonly status: DeviceStatus;
  private readonly timers = new PollTimers();
  private readonly backoff = new Backoff({ initialMs: 1000, maxMs: 30_000 });
  private readonly member: LineMember;
  private bus?: RtuBus;
  private sink?: ReadingSink;
  private stopped = false;
  /** While offline: not before this time (Date.now()) is the slave tried again, and why. */
  private retryAtMs = 0;
  private retryReason = '';
  /** An offline slave is tried by one poll at a time, whatever its poll groups. */
  private trying = false;
  private readonly polls = new Set<Promise<void>>();

  constructor(
    private readonly spec: ModbusRtuDevice,
    private readonly log: Logger,
    private readonly lines: LinePool = agentLines,
  ) {
    this.device = spec.name;
    this.groups = planPollGroups(spec);
    this.points = new Map(spec.points.map((point) => [point.name, point]));
    this.status = new DeviceStatus(spec.name, { line: lineAddress(spec.line), unitId: spec.unitId }, log);
    const status = this.status;
    this.member = {
      device: spec.name,
      unitId: spec.unitId,
      get isOnline() {
        return status.isOnline;
      },
      connectFailed: (message) => status.connectFailed(message),
    };
  }

  start(sink: ReadingSink): void {
    this.sink = sink;
    this.status.start(sink);
    const joined = this.lines.join(this.spec, this.member, this.log);
    if (!(joined instanceof RtuBus)) {
      // Polling it would garble another device's replies: it stays offline, saying why.
      this.log.error('device.line_conflict', { reason: joined.message, fix: joined.fix });
      this.status.setOffline(`${joined.message}; fix: ${joined.fix}`);
      return;
    }
    this.bus = joined;
    for (const group of this.groups) {
      this.timers.every(group.intervalMs, () => {
        const poll = this.poll(group);
        this.polls.add(poll);
        return poll.finally(() => this.polls.delete(poll));
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.stop();
    this.status.stop();
    await Promise.all(this.polls);
    if (this.bus) this.lines.leave(this.bus, this.member);
  }

  health(): DeviceHealth {
    return this.status.health();
  }

  /** On a line of its own, for `davy-agent device test` (a running agent holds a serial port: stop it first). */
  async readOnce(): Promise<PointReading[]> {
    const connection = new RtuConnection(this.spec.line, this.spec.interFrameGapMs, this.spec.timeoutMs);
    await connection.connect();
    const line = new LineScheduler(this.spec.interFrameGapMs, connection.where);
    try {
      const readings: PointReading[] = [];
      for (const group of this.groups) {
        const exchange = (read: ReadRange) => line.submit(this.spec.unitId, () => connection.read(this.spec.unitId, read));
        readings.push(...(await readGroup(group, exchange, this.status, this.points, { withRaw: true, stopAfterTimeout: false })).readings);
      }
      return readings;
    } finally {
      line.close();
      connection.close();
    }
  }

  private async poll(group: PollGroup): Promise<void> {
    const bus = this.bus!;
    if (!this.status.isOnline && this.retryAtMs > 0 && (Date.now() < this.retryAtMs || this.trying)) {
      this.sink?.readings(this.device, unreadGroup(group, `not polled: ${this.retryReason}`));
      return;
    }
    if (!bus.isConnected) {
      // As the TCP driver: wait up to one reply's time for the line, else bad readings that say why.
      await Promise.race([bus.ensureConnected(), sleep(this.spec.timeoutMs)]);
      if (this.stopped) return;
      if (!bus.isConnected) {
        this.sink?.readings(this.device, unreadGroup(group, `not connected: ${this.status.lastFailure ?? 'connecting'}`));
        return;
      }
    }
    this.trying = this.retryAtMs > 0;
    try {
      const outcome = await readGroup(group, (read) => bus.read(this.spec.unitId, read, this.spec.timeoutMs), this.status, this.points, {
        withRaw: false,
        stopAfterTimeout: true,
      });
      if (this.stopped) return;
      this.sink?.readings(this.device, outcome.readings);
      if (outcome.answered) {
        this.status.pollAnswered();
        this.backoff.reset();
        this.retryAtMs = 0;
      } else if (this.status.pollFailed(outcome.failure ?? 'no reply', this.spec.offlineAfterFailures)) {
        const wentOffline = this.retryAtMs === 0;
        const delayMs = this.backoff.nextDelayMs();
        this.retryAtMs = Date.now() + delayMs;
        this.retryReason = `unit ${this.spec.unitId} is offline (${outcome.failure ?? 'no reply'}); next try in ${formatDurationMs(delayMs)}`;
        this.log.debug('device.backoff', { unitId: this.spec.unitId, delayMs: Math.round(delayMs) });
        if (wentOffline) bus.memberOffline();
      }
    } finally {
      this.trying = false;
    }
  }
}
