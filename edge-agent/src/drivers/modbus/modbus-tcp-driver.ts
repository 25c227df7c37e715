/**
 * Polls one Modbus TCP device. Points are grouped by interval and each group's reads are
 * planned once; requests on the device's one connection go one at a time (many devices cannot
 * take pipelined requests). Failed reads become bad-quality readings; a device that keeps
 * failing goes offline (one event), its connection is rebuilt with backoff, and it comes back
 * online (one event). Nothing here can block another device: each has its own loop.
 */
import { Backoff, errorMessage, sleep, type Logger } from '@davy/runtime';
import type { DeviceDriver, DeviceHealth, DeviceState, PointReading, ReadingSink } from '../driver.js';
import { decodeRegisters } from './codec.js';
import { isBitTable } from './data-types.js';
import { ModbusReadError, ModbusTcpConnection, type ReadFailureKind, type TableData } from './modbus-connection.js';
import type { ModbusPoint, ModbusTcpDevice } from './modbus-device.js';
import { planReads, type RegisterRead } from './register-plan.js';

interface PollGroup {
  intervalMs: number;
  reads: Array<RegisterRead<ModbusPoint>>;
}

export function planPollGroups(device: ModbusTcpDevice): PollGroup[] {
  const byInterval = new Map<number, ModbusPoint[]>();
  for (const point of device.points) byInterval.set(point.intervalMs, [...(byInterval.get(point.intervalMs) ?? []), point]);
  return [...byInterval.entries()]
    .sort(([a], [b]) => a - b)
    .map(([intervalMs, points]) => ({
      intervalMs,
      reads: planReads(points.map((point) => ({ point, table: point.table, address: point.address, count: point.count })), device.limits),
    }));
}

export class ModbusTcpDriver implements DeviceDriver {
  readonly device: string;
  private readonly groups: PollGroup[];
  private readonly backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
  private connection?: ModbusTcpConnection;
  private connecting?: Promise<void>;
  private sink?: ReadingSink;
  private state: DeviceState = 'connecting';
  private stopped = false;
  private failedPolls = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Requests on the connection go one after another. */
  private requestChain: Promise<unknown> = Promise.resolve();
  private readonly stats = { reads: 0, lastGoodReadMs: null as number | null, lastError: null as string | null, errors: {} as Record<string, number> };

  constructor(
    private readonly spec: ModbusTcpDevice,
    private readonly log: Logger,
  ) {
    this.device = spec.name;
    this.groups = planPollGroups(spec);
  }

  start(sink: ReadingSink): void {
    this.sink = sink;
    void this.ensureConnected();
    for (const group of this.groups) this.schedule(group, Date.now());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.state = 'stopped';
    await this.requestChain.catch(() => undefined);
    this.connection?.close();
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
    const connection = new ModbusTcpConnection(this.spec.host, this.spec.port, this.spec.unitId, this.spec.timeoutMs);
    await connection.connect();
    try {
      const readings: PointReading[] = [];
      for (const group of this.groups) {
        for (const read of group.reads) readings.push(...(await this.performRead(connection, read, true)).readings);
      }
      return readings;
    } finally {
      connection.close();
    }
  }

  /** Fixed-rate schedule: a poll that overruns its interval skips the ticks it missed. */
  private schedule(group: PollGroup, dueMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.poll(group).finally(() => {
        const now = Date.now();
        let next = dueMs + group.intervalMs;
        if (next <= now) next = now + group.intervalMs - ((now - dueMs) % group.intervalMs);
        this.schedule(group, next);
      });
    }, Math.max(0, dueMs - Date.now()));
    this.timers.add(timer);
  }

  private async poll(group: PollGroup): Promise<void> {
    let connection = this.connection;
    if (!connection?.isOpen) {
      // Wait as long as one reply may take: a device that dropped an idle connection is back
      // by then. If it is not, this poll's points are bad readings, not silently skipped.
      await Promise.race([this.ensureConnected(), sleep(this.spec.timeoutMs)]);
      connection = this.connection;
      if (this.stopped) return;
      if (!connection?.isOpen) {
        const timeMs = Date.now();
        const error = `not connected: ${this.stats.lastError ?? 'connecting'}`;
        this.sink?.readings(this.device, group.reads.flatMap((read) => read.items.map(({ point }) => ({ point: point.name, value: null, timeMs, quality: 'bad' as const, error }))));
        return;
      }
    }
    const readings: PointReading[] = [];
    let answered = false;
    for (const read of group.reads) {
      const result = await this.serialize(() => this.performRead(connection, read, false));
      readings.push(...result.readings);
      // An exception reply is an answer: the device is there, only that read is wrong.
      if (result.failure === undefined || result.failure === 'exception') answered = true;
    }
    if (this.stopped) return;
    this.sink?.readings(this.device, readings);
    if (answered) {
      this.failedPolls = 0;
      this.setOnline();
    } else {
      this.failedPolls += 1;
      if (this.failedPolls >= this.spec.offlineAfterFailures) {
        const reason = readings.find((reading) => reading.error)?.error ?? 'no reply';
        this.setOffline(`${this.failedPolls} polls in a row failed: ${reason}`);
        connection.close();
        void this.ensureConnected();
      }
    }
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const result = this.requestChain.then(work, work);
    this.requestChain = result.catch(() => undefined);
    return result;
  }

  /** `withRaw`: also show the registers as text (for people; polling skips that cost). */
  private async performRead(
    connection: ModbusTcpConnection,
    read: RegisterRead<ModbusPoint>,
    withRaw: boolean,
  ): Promise<{ readings: PointReading[]; failure?: ReadFailureKind }> {
    this.stats.reads += 1;
    let data: TableData;
    try {
      data = await connection.read(read.table, read.start, read.count);
    } catch (error) {
      const kind = error instanceof ModbusReadError ? error.kind : 'connection';
      const message = errorMessage(error);
      this.stats.errors[kind] = (this.stats.errors[kind] ?? 0) + 1;
      this.stats.lastError = message;
      const timeMs = Date.now();
      const readings = read.items.map(({ point }) => ({ point: point.name, value: null, timeMs, quality: 'bad' as const, error: message }));
      return { readings, failure: kind };
    }
    const timeMs = Date.now();
    this.stats.lastGoodReadMs = timeMs;
    return { readings: read.items.map(({ point, offset }) => decodePoint(point, offset, data, timeMs, withRaw)) };
  }

  /** One connect loop at a time; retries with backoff until connected or stopped. */
  private ensureConnected(): Promise<void> {
    this.connecting ??= this.connectLoop().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connectLoop(): Promise<void> {
    while (!this.stopped) {
      const connection = new ModbusTcpConnection(this.spec.host, this.spec.port, this.spec.unitId, this.spec.timeoutMs);
      try {
        await connection.connect();
        if (this.stopped) return connection.close();
        this.connection = connection;
        this.failedPolls = 0;
        this.backoff.reset();
        this.log.info('device.connected', { host: this.spec.host, port: this.spec.port });
        return;
      } catch (error) {
        this.stats.errors.connection = (this.stats.errors.connection ?? 0) + 1;
        this.stats.lastError = errorMessage(error);
        this.setOffline(errorMessage(error));
        const delayMs = this.backoff.nextDelayMs();
        this.log.debug('device.reconnect_wait', { delayMs: Math.round(delayMs) });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            resolve();
          }, delayMs);
          this.timers.add(timer);
        });
      }
    }
  }

  private setOnline(): void {
    if (this.state === 'online') return;
    this.state = 'online';
    this.log.info('device.online');
    this.sink?.event(this.device, { type: 'device.online', timeMs: Date.now(), body: { host: this.spec.host, port: this.spec.port } });
  }

  private setOffline(reason: string): void {
    if (this.state === 'offline' || this.stopped) return;
    this.state = 'offline';
    this.log.warn('device.offline', { reason });
    this.sink?.event(this.device, { type: 'device.offline', timeMs: Date.now(), body: { host: this.spec.host, port: this.spec.port, reason } });
  }
}

function decodePoint(point: ModbusPoint, offset: number, data: TableData, timeMs: number, withRaw: boolean): PointReading {
  if (isBitTable(point.table)) {
    const bit = data[offset] === 1;
    return { point: point.name, value: bit, timeMs, quality: 'good', raw: withRaw ? (bit ? '1' : '0') : undefined };
  }
  const bytes = data.subarray(offset * 2, (offset + point.count) * 2);
  const raw = withRaw ? formatRegisters(bytes) : undefined;
  try {
    const significantDigits = point.type === 'float32' ? 7 : undefined;
    return { point: point.name, value: decodeRegisters(bytes, point), timeMs, quality: 'good', raw, significantDigits };
  } catch (error) {
    return { point: point.name, value: null, timeMs, quality: 'bad', raw, error: `cannot decode: ${errorMessage(error)}` };
  }
}

export function formatRegisters(bytes: Uint8Array): string {
  const words: string[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) words.push(`0x${((bytes[i]! << 8) | bytes[i + 1]!).toString(16).padStart(4, '0')}`);
  return words.join(' ');
}
