/**
 * Keeps one Modbus connection open: a single connect loop at a time, retried with exponential
 * backoff until it connects or the keeper stops. The driver (or bus) that owns it hears of
 * every success and failure.
 */
import { Backoff, errorMessage, type Logger } from '@davy/runtime';
import type { ModbusConnection } from './modbus-connection.js';

export interface ConnectionEvents {
  connected(connection: ModbusConnection): void;
  failed(message: string): void;
}

export class ConnectionKeeper {
  private current?: ModbusConnection;
  private connecting?: Promise<void>;
  private stopped = false;
  private readonly backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
  /** Ends the wait between two attempts early (on stop). */
  private wake?: () => void;

  constructor(
    private readonly open: () => ModbusConnection,
    private readonly events: ConnectionEvents,
    private readonly log: Logger,
  ) {}

  /** The connection, when one is open. */
  get connection(): ModbusConnection | undefined {
    return this.current?.isOpen ? this.current : undefined;
  }

  /** Resolves once connected (or stopped); one connect loop at a time. */
  ensureConnected(): Promise<void> {
    this.connecting ??= this.connectLoop().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Drops the connection and starts a new one (e.g. after polls in a row got no reply). */
  reconnect(): void {
    this.current?.close();
    void this.ensureConnected();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
    this.current?.close();
  }

  private async connectLoop(): Promise<void> {
    while (!this.stopped) {
      const connection = this.open();
      try {
        await connection.connect();
        if (this.stopped) return connection.close();
        this.current = connection;
        this.backoff.reset();
        this.events.connected(connection);
        return;
      } catch (error) {
        this.events.failed(errorMessage(error));
        const delayMs = this.backoff.nextDelayMs();
        this.log.debug('device.reconnect_wait', { delayMs: Math.round(delayMs) });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delayMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}
