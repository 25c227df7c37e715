/**
 * Answers one Modbus request PDU against a register bank: function codes 1–6, 15 and 16, and
 * exception replies checked in the order the Modbus application protocol (v1.1b3, §6) gives:
 * function code (01), then quantity and length (03), then address range (02).
 */
import type { ModbusTable } from '@davy/edge-agent/modbus';
import type { BitTable, RegisterBank, RegisterTable } from './register-bank.js';

/** Bytes of the MBAP header (transaction, protocol, length, unit id) that precede a PDU on TCP. */
export const mbapHeaderBytes = 7;

export const exceptionCodes = { illegalFunction: 0x01, illegalDataAddress: 0x02, illegalDataValue: 0x03, serverDeviceFailure: 0x04, serverDeviceBusy: 0x06 } as const;
export type ExceptionCode = (typeof exceptionCodes)[keyof typeof exceptionCodes];

/** Protocol limits per request. */
const maxReadRegisters = 125;
const maxReadBits = 2000;
const maxWriteRegisters = 123;
const maxWriteBits = 1968;

export interface RequestHooks {
  /** Before a read is answered, with the range it covers (read-counting points advance here). */
  beforeRead(table: ModbusTable, start: number, count: number): void;
  /** After a write changed a range. */
  afterWrite(table: ModbusTable, start: number, count: number): void;
}

/**
 * The reply to `pdu` (a request: function code and data). The reply PDU starts after
 * `mbapHeaderBytes` of room that the caller fills in, so each reply is a single allocation.
 */
export function answerPdu(pdu: Buffer, bank: RegisterBank, hooks: RequestHooks): Buffer {
  const functionCode = pdu[0]!;
  switch (functionCode) {
    case 0x01:
      return readBits(pdu, 'coil', bank, hooks);
    case 0x02:
      return readBits(pdu, 'discrete', bank, hooks);
    case 0x03:
      return readRegisters(pdu, 'holding', bank, hooks);
    case 0x04:
      return readRegisters(pdu, 'input', bank, hooks);
    case 0x05:
      return writeCoil(pdu, bank, hooks);
    case 0x06:
      return writeRegister(pdu, bank, hooks);
    case 0x0f:
      return writeCoils(pdu, bank, hooks);
    case 0x10:
      return writeRegisters(pdu, bank, hooks);
    default:
      return exception(functionCode, exceptionCodes.illegalFunction);
  }
}

function reply(pduBytes: number, functionCode: number): Buffer {
  const buffer = Buffer.allocUnsafe(mbapHeaderBytes + pduBytes);
  buffer[mbapHeaderBytes] = functionCode;
  return buffer;
}

export function exception(functionCode: number, code: ExceptionCode): Buffer {
  const buffer = reply(2, functionCode | 0x80);
  buffer[mbapHeaderBytes + 1] = code;
  return buffer;
}

/** A write of one item echoes the request. */
function echo(pdu: Buffer): Buffer {
  const buffer = reply(pdu.length, pdu[0]!);
  pdu.copy(buffer, mbapHeaderBytes);
  return buffer;
}

interface Range {
  start: number;
  quantity: number;
}

/**
 * The range a request names, or the exception it earns. `dataBytes`: for a write, the data
 * bytes its quantity calls for (the request then carries that byte count and that many bytes).
 */
function requestedRange(pdu: Buffer, maxQuantity: number, size: number, dataBytes?: (quantity: number) => number): Range | ExceptionCode {
  if (pdu.length < 5) return exceptionCodes.illegalDataValue;
  const start = pdu.readUInt16BE(1);
  const quantity = pdu.readUInt16BE(3);
  const data = dataBytes?.(quantity);
  const length = data === undefined ? 5 : 6 + data;
  if (quantity < 1 || quantity > maxQuantity || pdu.length !== length || (data !== undefined && pdu[5] !== data)) return exceptionCodes.illegalDataValue;
  if (start + quantity > size) return exceptionCodes.illegalDataAddress;
  return { start, quantity };
}

function readRegisters(pdu: Buffer, table: RegisterTable, bank: RegisterBank, hooks: RequestHooks): Buffer {
  const functionCode = pdu[0]!;
  const range = requestedRange(pdu, maxReadRegisters, bank.sizes[table]);
  if (typeof range === 'number') return exception(functionCode, range);
  const { start, quantity } = range;
  hooks.beforeRead(table, start, quantity);
  const buffer = reply(2 + quantity * 2, functionCode);
  buffer[mbapHeaderBytes + 1] = quantity * 2;
  buffer.set(bank.registers[table].subarray(start * 2, (start + quantity) * 2), mbapHeaderBytes + 2);
  return buffer;
}

function readBits(pdu: Buffer, table: BitTable, bank: RegisterBank, hooks: RequestHooks): Buffer {
  const functionCode = pdu[0]!;
  const range = requestedRange(pdu, maxReadBits, bank.sizes[table]);
  if (typeof range === 'number') return exception(functionCode, range);
  const { start, quantity } = range;
  hooks.beforeRead(table, start, quantity);
  const byteCount = Math.ceil(quantity / 8);
  const buffer = reply(2 + byteCount, functionCode);
  buffer[mbapHeaderBytes + 1] = byteCount;
  buffer.fill(0, mbapHeaderBytes + 2);
  const bits = bank.bits[table];
  // The first bit requested is the least significant bit of the first byte.
  for (let i = 0; i < quantity; i += 1) {
    if (bits[start + i]) buffer[mbapHeaderBytes + 2 + (i >> 3)]! |= 1 << (i & 7);
  }
  return buffer;
}

function writeCoil(pdu: Buffer, bank: RegisterBank, hooks: RequestHooks): Buffer {
  if (pdu.length !== 5) return exception(0x05, exceptionCodes.illegalDataValue);
  const address = pdu.readUInt16BE(1);
  const value = pdu.readUInt16BE(3);
  if (value !== 0xff00 && value !== 0x0000) return exception(0x05, exceptionCodes.illegalDataValue);
  if (address >= bank.sizes.coil) return exception(0x05, exceptionCodes.illegalDataAddress);
  bank.bits.coil[address] = value === 0xff00 ? 1 : 0;
  hooks.afterWrite('coil', address, 1);
  return echo(pdu);
}

function writeRegister(pdu: Buffer, bank: RegisterBank, hooks: RequestHooks): Buffer {
  if (pdu.length !== 5) return exception(0x06, exceptionCodes.illegalDataValue);
  const address = pdu.readUInt16BE(1);
  if (address >= bank.sizes.holding) return exception(0x06, exceptionCodes.illegalDataAddress);
  bank.registers.holding.set(pdu.subarray(3, 5), address * 2);
  hooks.afterWrite('holding', address, 1);
  return echo(pdu);
}

function writeCoils(pdu: Buffer, bank: RegisterBank, hooks: RequestHooks): Buffer {
  const range = requestedRange(pdu, maxWriteBits, bank.sizes.coil, (quantity) => Math.ceil(quantity / 8));
  if (typeof range === 'number') return exception(0x0f, range);
  const { start, quantity } = range;
  const coils = bank.bits.coil;
  for (let i = 0; i < quantity; i += 1) coils[start + i] = (pdu[6 + (i >> 3)]! >> (i & 7)) & 1;
  hooks.afterWrite('coil', start, quantity);
  return writtenRange(pdu);
}

function writeRegisters(pdu: Buffer, bank: RegisterBank, hooks: RequestHooks): Buffer {
  const range = requestedRange(pdu, maxWriteRegisters, bank.sizes.holding, (quantity) => quantity * 2);
  if (typeof range === 'number') return exception(0x10, range);
  const { start, quantity } = range;
  bank.registers.holding.set(pdu.subarray(6, 6 + quantity * 2), start * 2);
  hooks.afterWrite('holding', start, quantity);
  return writtenRange(pdu);
}

/** A multiple write answers with its start and quantity. */
function writtenRange(pdu: Buffer): Buffer {
  const buffer = reply(5, pdu[0]!);
  pdu.copy(buffer, mbapHeaderBytes + 1, 1, 5);
  return buffer;
}
