/**
 * Polls one Modbus TCP device. Points are grouped by interval and each group's reads are
 * planned once; requests on the device's one connection go one at a time (many devices cannot
 * take pipelined requests). Failed reads become bad-quality readings; a device that keeps
 * failing goes offline (one event), its connection is rebuilt with backoff, and it comes back
 * online (one event). Nothing here can block another device: each has its own loop.
 */
import { sleep, type Logger } from '@davy/runtime';
import type { DeviceDriver, DeviceHealth, PointReading, ReadingSink } from '../driver.js';
import { ConnectionKeeper } from './connection-keeper.js';
import { DeviceStatus } from './device-status.js';
import { readGroup, unreadGroup } from './group-read.js';
import type { ModbusConnection } from './modbus-connection.js';
import type { ModbusTcpDevice } from './modbus-device.js';
import type { ModbusPoint } from './modbus-points.js';
import { planPollGroups, type PollGroup } from './poll-groups.js';
import { PollTimers } from './poll-timers.js';
import { ModbusTcpConnection } from './tcp-connection.js';

// Where bench/modbus.ts takes the planner's groups from.
export { planPollGroups } from './poll-groups.js';

export class ModbusTcpDriver implements DeviceDriver {
  readonly device: string;
  private readonly groups: PollGroup[];
  private readonly points: ReadonlyMap<string, ModbusPoint>;
  private readonly status: DeviceStatus;
  private readonly keeper: ConnectionKeeper;
  private readonly timers = new PollTimers();
  private sink?: ReadingSink;
  private stopped = false;
  /** Requests on the connection go one after another. */
  private requestChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly spec: ModbusTcpDevice,
    private readonly log: Logger,
  ) {
    this.device = spec.name;
    this.groups = planPollGroups(spec);
    this.points = new Map(spec.points.map((point) => [point.name, point]));
    this.status = new DeviceStatus(spec.name, { host: spec.host, port: spec.port }, log);
    this.keeper = new ConnectionKeeper(() => this.newConnection(), {
      connected: () => {
        this.status.connected();
        this.log.info('device.connected', { host: this.spec.host, port: this.spec.port });
      },
      failed: (message) => this.status.connectFailed(message),
    }, log);
  }

  start(sink: ReadingSink): void {
    this.sink = sink;
    this.status.start(sink);
    void this.keeper.ensureConnected();
    for (const group of this.groups) this.timers.every(group.intervalMs, () => this.poll(group));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.stop();
    this.status.stop();
    await this.requestChain.catch(() => undefined);
    this.keeper.stop();
  }

  health(): DeviceHealth {
    return this.status.health();
  }

  async readOnce(): Promise<PointReading[]> {
    const connection = this.newConnection();
    await connection.connect();
    try {
      const readings: PointReading[] = [];
      for (const group of this.groups) {
        const outcome = await readGroup(group, (read) => connection.read(this.spec.unitId, read), this.status, this.points, { withRaw: true, stopAfterTimeout: false });
        readings.push(...outcome.readings);
      }
      return readings;
    } finally {
      connection.close();
    }
  }

  private newConnection(): ModbusConnection {
    return new ModbusTcpConnection(this.spec.host, this.spec.port, this.spec.timeoutMs);
  }

  private async poll(group: PollGroup): Promise<void> {
    let connection = this.keeper.connection;
    if (!connection) {
      // Wait as long as one reply may take: a device that dropped an idle connection is back
      // by then. If it is not, this poll's points are bad readings, not silently skipped.
      await Promise.race([this.keeper.ensureConnected(), sleep(this.spec.timeoutMs)]);
      connection = this.keeper.connection;
      if (this.stopped) return;
      if (!connection) {
        this.sink?.readings(this.device, unreadGroup(group, `not connected: ${this.status.lastFailure ?? 'connecting'}`));
        return;
      }
    }
    const open = connection;
    const outcome = await readGroup(group, (read) => this.serialize(() => open.read(this.spec.unitId, read)), this.status, this.points, {
      withRaw: false,
      stopAfterTimeout: false,
    });
    if (this.stopped) return;
    this.sink?.readings(this.device, outcome.readings);
    if (outcome.answered) {
      this.status.pollAnswered();
    } else if (this.status.pollFailed(outcome.failure ?? 'no reply', this.spec.offlineAfterFailures)) {
      this.keeper.reconnect();
    }
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const result = this.requestChain.then(work, work);
    this.requestChain = result.catch(() => undefined);
    return result;
  }
}
