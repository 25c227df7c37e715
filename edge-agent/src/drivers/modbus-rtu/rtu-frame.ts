/**
 * Modbus RTU frames as a master sends and receives them (Modbus over serial line V1.02, §2.5.1):
 * the slave address, the PDU and a CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF) sent low
 * byte first. RTU has no length field and no transaction id: a reply's length follows from its
 * function code and byte count, and which request it answers only from its unit id, function
 * code and size. The agent only reads, so the only replies it can meet are those of reads
 * (function codes 1-4) and exceptions.
 */
import { isBitTable, type ModbusTable, type ReadRange, type TableData } from '../modbus/index.js';

const functionCodes: Readonly<Record<ModbusTable, number>> = { coil: 1, discrete: 2, holding: 3, input: 4 };
const exceptionFlag = 0x80;
/** Unit id, function code, and the CRC's two bytes. */
const overheadBytes = 4;

/** CRC-16/MODBUS, a byte at a time from a table: it runs on every byte the line carries. */
const crcTable = Uint16Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  return crc;
});

export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) crc = (crc >>> 8) ^ crcTable[(crc ^ byte) & 0xff]!;
  return crc;
}

/** What a read expects back: the unit, the function, and the data's byte count. */
export interface ReplyShape {
  unitId: number;
  functionCode: number;
  byteCount: number;
}

export function replyShape(unitId: number, range: ReadRange): ReplyShape {
  const byteCount = isBitTable(range.table) ? Math.ceil(range.count / 8) : range.count * 2;
  return { unitId, functionCode: functionCodes[range.table], byteCount };
}

/** The request frame of a read: unit, function, start, quantity, CRC. */
export function readRequest(unitId: number, range: ReadRange): Buffer {
  const frame = Buffer.alloc(8);
  frame[0] = unitId;
  frame[1] = functionCodes[range.table];
  frame.writeUInt16BE(range.start, 2);
  frame.writeUInt16BE(range.count, 4);
  frame.writeUInt16LE(crc16(frame.subarray(0, 6)), 6);
  return frame;
}

/** A reply cut from the received bytes: a read's data, or an exception. */
export interface ReplyFrame {
  bytes: Buffer;
  unitId: number;
  /** Without the exception flag. */
  functionCode: number;
  exceptionCode?: number;
  /** A read's byte count (undefined for an exception). */
  byteCount?: number;
  crcValid: boolean;
}

/**
 * The frame at the start of `received`: 'more' while it has not all arrived, 'unknown' when its
 * function code is none a read gets back (its length cannot be known, so neither can where the
 * next frame starts).
 */
export function cutReply(received: Buffer): ReplyFrame | 'more' | 'unknown' {
  if (received.length < 2) return 'more';
  const code = received[1]!;
  const functionCode = code & ~exceptionFlag;
  if (functionCode < 1 || functionCode > 4) return 'unknown';
  const exception = (code & exceptionFlag) !== 0;
  if (!exception && received.length < 3) return 'more';
  const length = exception ? 5 : overheadBytes + 1 + received[2]!;
  if (received.length < length) return 'more';
  const bytes = received.subarray(0, length);
  const crcValid = bytes.readUInt16LE(length - 2) === crc16(bytes.subarray(0, length - 2));
  return exception
    ? { bytes, unitId: bytes[0]!, functionCode, exceptionCode: bytes[2]!, crcValid }
    : { bytes, unitId: bytes[0]!, functionCode, byteCount: bytes[2]!, crcValid };
}

/** Whether `frame` can be the reply to a request of this shape (an exception fits any size). */
export function fits(frame: ReplyFrame, shape: ReplyShape): boolean {
  return frame.unitId === shape.unitId && frame.functionCode === shape.functionCode && (frame.exceptionCode !== undefined || frame.byteCount === shape.byteCount);
}

/** A read's data as the drivers take it: registers as wire bytes, bits as one 0/1 byte each. */
export function replyData(frame: ReplyFrame, range: ReadRange): TableData {
  const data = frame.bytes.subarray(3, frame.bytes.length - 2);
  if (!isBitTable(range.table)) return Buffer.from(data);
  return Buffer.from(Array.from({ length: range.count }, (_, bit) => (data[bit >> 3]! >> (bit & 7)) & 1));
}

/** "unit 3, function 3, 4 bytes": a frame as messages name it. */
export function describeFrame(frame: ReplyFrame): string {
  const what = frame.exceptionCode === undefined ? `${frame.byteCount} bytes` : `exception ${frame.exceptionCode}`;
  return `unit ${frame.unitId}, function ${frame.functionCode}, ${what}`;
}
