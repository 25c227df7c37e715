/**
 * One Modbus client connection (modbus-serial's client) over a link — a TCP socket carrying
 * Modbus TCP or RTU frames, or a serial port — with the failure kinds the drivers act on: a
 * timeout, a Modbus exception reply, a corrupted or malformed reply, or a broken connection.
 */
import Modbus from 'modbus-serial';
import type { ModbusTable } from './data-types.js';

export type ModbusClient = InstanceType<typeof Modbus.default>;

/** How a connection reaches its device(s); one per transport. */
export interface ModbusLink {
  /** Where requests go, for messages: "10.0.0.5:502", "/dev/ttyUSB0". */
  readonly where: string;
  open(client: ModbusClient): Promise<void>;
  /** Ends the link at once: a graceful close would wait on a peer that may be gone. */
  close(client: ModbusClient): void;
}

export type ReadFailureKind = 'timeout' | 'exception' | 'crc' | 'frame' | 'connection';

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

export interface ReadRange {
  table: ModbusTable;
  start: number;
  count: number;
}

export class ModbusConnection {
  private readonly client = new Modbus.default();
  private closed = false;
  /** Fails the request in flight when the link closes under it, instead of at its timeout. */
  private readonly lost: Promise<never>;

  constructor(
    private readonly link: ModbusLink,
    private readonly timeoutMs: number,
  ) {
    this.client.setTimeout(timeoutMs);
    this.lost = new Promise<never>((_, reject) => {
      this.client.on('close', () => reject(new ModbusReadError('connection', `the connection to ${link.where} closed`)));
    });
    this.lost.catch(() => undefined);
    // A serial port reports its errors as events; without a listener they would end the process.
    this.client.on('error', () => this.close());
  }

  get where(): string {
    return this.link.where;
  }

  async connect(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ModbusReadError('connection', `no connection to ${this.link.where} within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([this.link.open(this.client), timeout]);
    } catch (error) {
      this.close();
      if (error instanceof ModbusReadError) throw error;
      throw new ModbusReadError('connection', `cannot connect to ${this.link.where}: ${describe(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  get isOpen(): boolean {
    return !this.closed && this.client.isOpen;
  }

  /** Reads a range from one unit; `timeoutMs` overrides the connection's for this request. */
  async read(unitId: number, range: ReadRange, timeoutMs = this.timeoutMs): Promise<TableData> {
    const { table, start, count } = range;
    if (!this.isOpen) throw new ModbusReadError('connection', `the connection to ${this.link.where} is closed`);
    this.client.setID(unitId);
    this.client.setTimeout(timeoutMs);
    try {
      return await Promise.race([this.request(table, start, count), this.lost]);
    } catch (error) {
      throw classify(error, table, start, count);
    }
  }

  private async request(table: ModbusTable, start: number, count: number): Promise<TableData> {
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
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.link.close(this.client);
  }
}

function classify(error: unknown, table: ModbusTable, start: number, count: number): ModbusReadError {
  if (error instanceof ModbusReadError) return error;
  const where = `${table} ${start}-${start + count - 1}`;
  const details = error as { modbusCode?: number; errno?: string; message?: string };
  if (typeof details.modbusCode === 'number') {
    const name = exceptionNames[details.modbusCode] ?? 'unknown exception';
    return new ModbusReadError('exception', `exception ${details.modbusCode} (${name}) reading ${where}`, details.modbusCode);
  }
  if (details.errno === 'ETIMEDOUT') return new ModbusReadError('timeout', `no reply reading ${where}`);
  // modbus-serial's words for an RTU reply that arrived damaged or did not fit the request.
  if (details.message === 'CRC error') {
    return new ModbusReadError('crc', `reply with a bad CRC reading ${where} (line noise, a wrong baud rate or parity, or two devices with one unit id)`);
  }
  if (details.message?.startsWith('Data length error') || details.message?.startsWith('Unexpected data error')) {
    return new ModbusReadError('frame', `malformed reply reading ${where}: ${details.message}`);
  }
  return new ModbusReadError('connection', `reading ${where} failed: ${describe(error)}`);
}

function describe(error: unknown): string {
  const details = error as { message?: string; code?: string };
  return details.code ? `${details.message ?? ''} (${details.code})` : details.message ?? String(error);
}
