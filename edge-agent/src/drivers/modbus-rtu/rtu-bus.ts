/**
 * One RTU line and the devices (slaves) on it: ONE connection, kept open with backoff, and ONE
 * scheduler that every request of every slave goes through. The line is rebuilt when the last
 * slave that answered stops answering — once, not at each later try: one dead slave must not
 * cost the live ones their connection, and a rebuild gives no dead slave its tries back (each
 * slave's failures and backoff are its own, and outlive the connection).
 */
import { sleep, type Logger } from '@davy/runtime';
import { ConnectionKeeper, ModbusReadError, type ReadRange, type TableData } from '../modbus/index.js';
import { LineScheduler } from './line-scheduler.js';
import { RtuConnection } from './rtu-connection.js';
import { lineAddress, type RtuLine } from './rtu-line.js';

/** What the line needs of a device on it. */
export interface LineMember {
  readonly device: string;
  readonly unitId: number;
  readonly isOnline: boolean;
  connectFailed(message: string): void;
}

/** How long opening the line may take: a serial server far off over a VPN can be slow to accept. */
const connectTimeoutMs = 3000;

export class RtuBus {
  readonly where: string;
  private readonly members = new Map<number, LineMember>();
  private readonly keeper: ConnectionKeeper;
  private readonly scheduler: LineScheduler;

  constructor(
    readonly line: RtuLine,
    readonly gapMs: number,
    private readonly log: Logger,
  ) {
    this.where = lineAddress(line);
    this.scheduler = new LineScheduler(gapMs, this.where);
    this.keeper = new ConnectionKeeper(() => new RtuConnection(line, gapMs, connectTimeoutMs, log), {
      connected: () => this.log.info('line.connected', { devices: [...this.members.values()].map((member) => member.device) }),
      failed: (message) => {
        for (const member of this.members.values()) member.connectFailed(message);
      },
    }, log);
  }

  get memberCount(): number {
    return this.members.size;
  }

  /** The device already polling `unitId` on this line, if any. */
  memberAt(unitId: number): LineMember | undefined {
    return this.members.get(unitId);
  }

  join(member: LineMember): void {
    this.members.set(member.unitId, member);
    void this.keeper.ensureConnected();
  }

  leave(member: LineMember): void {
    if (this.members.get(member.unitId) === member) this.members.delete(member.unitId);
  }

  get isConnected(): boolean {
    return this.keeper.connection !== undefined;
  }

  ensureConnected(): Promise<void> {
    return this.keeper.ensureConnected();
  }

  /**
   * One read from one slave, in its turn on the line. A line that dropped while the request
   * waited gets up to one reply's time to come back: the turn is the line's anyway.
   */
  read(unitId: number, range: ReadRange, timeoutMs: number): Promise<TableData> {
    return this.scheduler.submit(unitId, async () => {
      if (!this.keeper.connection) await Promise.race([this.keeper.ensureConnected(), sleep(timeoutMs)]);
      const connection = this.keeper.connection;
      if (!connection) throw new ModbusReadError('connection', `the line ${this.where} is not connected`);
      return connection.read(unitId, range, timeoutMs);
    });
  }

  /** A member stopped answering (called once as it goes offline): when none answers any more, the line itself is suspect. */
  memberOffline(): void {
    if ([...this.members.values()].some((member) => member.isOnline)) return;
    this.log.warn('line.reconnect', { reason: 'no device on the line answers' });
    this.keeper.reconnect();
  }

  close(): void {
    this.scheduler.close();
    this.keeper.stop();
  }
}
