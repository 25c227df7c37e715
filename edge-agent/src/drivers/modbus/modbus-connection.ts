/**
 * One Modbus TCP connection (modbus-serial's client) with the failure kinds the driver acts
 * on: a timeout, a Modbus exception reply, or a broken connection.
 */
import Modbus from 'modbus-serial';
import type { ModbusTable } from './data-types.js';

export type ReadFailureKind = 'timeout' | 'exception' | 'connection';

const exceptionNames: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export class ModbusReadError extends Error {
  constructor(
    readonly kind: ReadFailureKind,
    message: string,
    readonly exceptionCode?: number,
  ) {
    super(message);
    this.name = 'ModbusReadError';
  }
}

/** Registers as wire bytes (two per register, big-endian), or bits as 0/1 bytes. */
export type TableData = Buffer;

export class ModbusTcpConnection {
  private readonly client = new Modbus.default();
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    unitId: number,
    private readonly timeoutMs: number,
  ) {
    this.client.setID(unitId);
    this.client.setTimeout(timeoutMs);
  }

  async connect(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ModbusReadError('connection', `no connection to ${this.host}:${this.port} within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([this.client.connectTCP(this.host, { port: this.port }), timeout]);
    } catch (error) {
      this.close();
      if (error instanceof ModbusReadError) throw error;
      throw new ModbusReadError('connection', `cannot connect to ${this.host}:${this.port}: ${describe(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  get isOpen(): boolean {
    return !this.closed && this.client.isOpen;
  }

  async read(table: ModbusTable, start: number, count: number): Promise<TableData> {
    if (!this.isOpen) throw new ModbusReadError('connection', `the connection to ${this.host}:${this.port} is closed`);
    try {
      switch (table) {
        case 'holding':
          return (await this.client.readHoldingRegisters(start, count)).buffer;
        case 'input':
          return (await this.client.readInputRegisters(start, count)).buffer;
        case 'coil':
          return Buffer.from((await this.client.readCoils(start, count)).data.slice(0, count).map(Number));
        case 'discrete':
          return Buffer.from((await this.client.readDiscreteInputs(start, count)).data.slice(0, count).map(Number));
      }
    } catch (error) {
      throw classify(error, table, start, count);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // destroy, not close: a graceful close waits on a peer that may be gone.
    this.client.destroy(() => undefined);
  }
}

function classify(error: unknown, table: ModbusTable, start: number, count: number): ModbusReadError {
  const where = `${table} ${start}-${start + count - 1}`;
  const details = error as { modbusCode?: number; errno?: string; message?: string };
  if (typeof details.modbusCode === 'number') {
    const name = exceptionNames[details.modbusCode] ?? 'unknown exception';
    return new ModbusReadError('exception', `exception ${details.modbusCode} (${name}) reading ${where}`, details.modbusCode);
  }
  if (details.errno === 'ETIMEDOUT') return new ModbusReadError('timeout', `no reply reading ${where}`);
  return new ModbusReadError('connection', `reading ${where} failed: ${describe(error)}`);
}

function describe(error: unknown): string {
  const details = error as { message?: string; code?: string };
  return details.code ? `${details.message ?? ''} (${details.code})` : details.message ?? String(error);
}
