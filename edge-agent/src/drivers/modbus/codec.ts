/**
 * Register bytes ⇄ values. `bytes` are the registers as they travel on the wire (each register
 * big-endian); the point's byte order says how the device laid the value out across them.
 * Decoding and encoding share one reordering, since both swaps are their own inverse.
 */
import { registerCount, swapsOf, type ByteOrder, type ModbusDataType } from './data-types.js';

export interface RegisterLayout {
  type: ModbusDataType;
  order: ByteOrder;
  /** For bool read from a register: which bit (0 = least significant). */
  bit?: number;
  /** For string: registers. */
  length?: number;
}

export type DecodedValue = number | boolean | string;

/** Puts the value's bytes into big-endian order (or back: the operation is an involution). */
function reorder(bytes: Uint8Array, order: ByteOrder): Buffer {
  const { bytes: swapBytes, words: swapWords } = swapsOf(order);
  const out = Buffer.alloc(bytes.length);
  const words = bytes.length >> 1;
  for (let word = 0; word < words; word += 1) {
    const from = (swapWords ? words - 1 - word : word) * 2;
    const hi = bytes[from]!;
    const lo = bytes[from + 1]!;
    out[word * 2] = swapBytes ? lo : hi;
    out[word * 2 + 1] = swapBytes ? hi : lo;
  }
  return out;
}

export function decodeRegisters(bytes: Uint8Array, layout: RegisterLayout): DecodedValue {
  const needed = registerCount(layout.type, layout.length) * 2;
  if (bytes.length < needed) throw new RangeError(`${layout.type} needs ${needed} bytes, got ${bytes.length}`);
  if (layout.type === 'string') return decodeString(bytes.subarray(0, needed), layout.order);
  const value = reorder(bytes.subarray(0, needed), layout.order);
  switch (layout.type) {
    case 'bool':
      return ((value.readUInt16BE(0) >> (layout.bit ?? 0)) & 1) === 1;
    case 'int16':
      return value.readInt16BE(0);
    case 'uint16':
      return value.readUInt16BE(0);
    case 'int32':
      return value.readInt32BE(0);
    case 'uint32':
      return value.readUInt32BE(0);
    case 'float32':
      return value.readFloatBE(0);
    case 'int64':
      return Number(value.readBigInt64BE(0));
    case 'uint64':
      return Number(value.readBigUInt64BE(0));
    case 'float64':
      return value.readDoubleBE(0);
  }
}

function decodeString(bytes: Uint8Array, order: ByteOrder): string {
  return reorderString(Buffer.from(bytes), order).toString('latin1').replace(/[\0 ]+$/, '');
}

/**
 * The register bytes a device holding `value` would send. Integers are rounded and clamped to
 * the type's range, as a device's firmware would store them.
 */
export function encodeValue(value: DecodedValue, layout: RegisterLayout): Buffer {
  const size = registerCount(layout.type, layout.length) * 2;
  const canonical = Buffer.alloc(size);
  const number = typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : 0;
  switch (layout.type) {
    case 'string': {
      const text = Buffer.from(String(value), 'latin1').subarray(0, size);
      text.copy(canonical);
      return reorderString(canonical, layout.order);
    }
    case 'bool':
      canonical.writeUInt16BE(number ? 1 << (layout.bit ?? 0) : 0, 0);
      break;
    case 'int16':
      canonical.writeInt16BE(clamp(number, -0x8000, 0x7fff), 0);
      break;
    case 'uint16':
      canonical.writeUInt16BE(clamp(number, 0, 0xffff), 0);
      break;
    case 'int32':
      canonical.writeInt32BE(clamp(number, -0x80000000, 0x7fffffff), 0);
      break;
    case 'uint32':
      canonical.writeUInt32BE(clamp(number, 0, 0xffffffff), 0);
      break;
    case 'float32':
      canonical.writeFloatBE(number, 0);
      break;
    case 'int64':
      canonical.writeBigInt64BE(BigInt(Math.round(number)), 0);
      break;
    case 'uint64':
      canonical.writeBigUInt64BE(BigInt(Math.max(0, Math.round(number))), 0);
      break;
    case 'float64':
      canonical.writeDoubleBE(number, 0);
      break;
  }
  return reorder(canonical, layout.order);
}

/** Strings are two characters per register; only the bytes inside a register may be swapped. */
function reorderString(bytes: Buffer, order: ByteOrder): Buffer {
  if (!swapsOf(order).bytes) return bytes;
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const first = bytes[i]!;
    bytes[i] = bytes[i + 1]!;
    bytes[i + 1] = first;
  }
  return bytes;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(value)));
}
