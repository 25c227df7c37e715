/**
 * What a Modbus connection is to the drivers, whatever carries its frames (Modbus TCP, RTU over
 * TCP, a serial line): one request at a time, and every failure of a read classified by the
 * kind the drivers act on — a timeout, a Modbus exception reply, a damaged (CRC) or malformed
 * reply, or a broken connection — with a message that names the range read.
 */
import type { ModbusTable } from './data-types.js';

export interface ModbusConnection {
  /** Where requests go, for messages: "10.0.0.5:502", "/dev/ttyUSB0". */
  readonly where: string;
  readonly isOpen: boolean;
  /** Opens the connection; rejects with a ModbusReadError of kind `connection`. */
  connect(): Promise<void>;
  /** Reads a range from one unit; `timeoutMs` overrides the connection's for this request. Rejects with a ModbusReadError. */
  read(unitId: number, range: ReadRange, timeoutMs?: number): Promise<TableData>;
  /** Ends the connection at once: a graceful close would wait on a peer that may be gone. */
  close(): void;
}

export type ReadFailureKind = 'timeout' | 'exception' | 'crc' | 'frame' | 'connection';

/** Registers as wire bytes (two per register, big-endian), or bits as 0/1 bytes. */
export type TableData = Buffer;

export interface ReadRange {
  table: ModbusTable;
  start: number;
  count: number;
}

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

/** Exceptions a gateway sends when the device behind it did not answer. */
const gatewayNoAnswer = new Set([10, 11]);

export class ModbusReadError extends Error {
  constructor(
    readonly kind: ReadFailureKind,
    message: string,
    readonly exceptionCode?: number,
  ) {
    super(message);
    this.name = 'ModbusReadError';
  }

  /**
   * Whether the device itself answered: an exception reply says it is there, except the two a
   * gateway sends for a device behind it that did not answer (10, 11).
   */
  get deviceAnswered(): boolean {
    return this.kind === 'exception' && !gatewayNoAnswer.has(this.exceptionCode ?? 0);
  }
}

/** "holding 0-1": a range as failure messages name it. */
export function describeRange(range: ReadRange): string {
  return `${range.table} ${range.start}-${range.start + range.count - 1}`;
}

/** The failures of one read, with the messages every transport gives them. */
export const readFailure = {
  timeout: (range: ReadRange) => new ModbusReadError('timeout', `no reply reading ${describeRange(range)}`),
  exception: (code: number, range: ReadRange) =>
    new ModbusReadError('exception', `exception ${code} (${exceptionNames[code] ?? 'unknown exception'}) reading ${describeRange(range)}`, code),
  crc: (range: ReadRange) =>
    new ModbusReadError('crc', `reply with a bad CRC reading ${describeRange(range)} (line noise, a wrong baud rate or parity, or two devices with one unit id)`),
  frame: (range: ReadRange, detail: string) => new ModbusReadError('frame', `malformed reply reading ${describeRange(range)}: ${detail}`),
  closed: (where: string) => new ModbusReadError('connection', `the connection to ${where} is closed`),
  lost: (where: string) => new ModbusReadError('connection', `the connection to ${where} closed`),
  cannotConnect: (where: string, cause: unknown) => new ModbusReadError('connection', `cannot connect to ${where}: ${describeCause(cause)}`),
  connectTimeout: (where: string, timeoutMs: number) => new ModbusReadError('connection', `no connection to ${where} within ${timeoutMs} ms`),
  other: (range: ReadRange, cause: unknown) => new ModbusReadError('connection', `reading ${describeRange(range)} failed: ${describeCause(cause)}`),
};

/** An error from a socket or serial port as a message: "connect ECONNREFUSED 10.0.0.7:4001 (ECONNREFUSED)". */
function describeCause(error: unknown): string {
  const details = error as { message?: string; code?: string };
  return details.code ? `${details.message ?? ''} (${details.code})` : details.message ?? String(error);
}
