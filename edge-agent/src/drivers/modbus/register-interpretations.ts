/**
 * A range of registers read every way a device might lay values out — 16, 32 and 64 bits, as
 * integers and floats, in every byte and word order — so an engineer facing an unknown device
 * picks the order that gives a plausible value (`davy-agent device probe`). Each value is what
 * the agent's own codec would decode with that type and order.
 */
import { decodeRegisters } from './codec.js';
import type { ByteOrder, ModbusDataType } from './data-types.js';

export interface InterpretationSection {
  /** Registers per value. */
  registers: 1 | 2 | 4;
  orders: ByteOrder[];
  rows: Array<{ address: number; type: ModbusDataType | 'text'; cells: Array<{ text: string; implausible: boolean }> }>;
}

const layouts: Array<{ registers: 1 | 2 | 4; orders: ByteOrder[]; types: ModbusDataType[] }> = [
  { registers: 1, orders: ['AB', 'BA'], types: ['int16', 'uint16'] },
  { registers: 2, orders: ['ABCD', 'CDAB', 'BADC', 'DCBA'], types: ['float32', 'int32', 'uint32'] },
  { registers: 4, orders: ['ABCDEFGH', 'GHEFCDAB', 'BADCFEHG', 'HGFEDCBA'], types: ['float64', 'int64', 'uint64'] },
];

export const orderNames: Readonly<Record<ByteOrder, string>> = {
  AB: 'big-endian',
  BA: 'byte-swapped',
  ABCD: 'big-endian',
  CDAB: 'word-swapped',
  BADC: 'byte-swapped',
  DCBA: 'little-endian',
  ABCDEFGH: 'big-endian',
  GHEFCDAB: 'word-swapped',
  BADCFEHG: 'byte-swapped',
  HGFEDCBA: 'little-endian',
};

/**
 * No measurement in engineering units lies beyond 10^±15: a float there is almost surely
 * exponent bits taken from the wrong bytes. NaN and infinities are never readings.
 */
const plausibleMagnitude = { min: 1e-15, max: 1e15 };

/** `bytes`: the registers as read (two bytes each, as on the wire); `firstAddress`: the first one's address. */
export function interpretRegisters(bytes: Uint8Array, firstAddress: number): InterpretationSection[] {
  const registerCount = bytes.length >> 1;
  return layouts
    .filter((layout) => layout.registers <= registerCount)
    .map(({ registers, orders, types }) => {
      const rows: InterpretationSection['rows'] = [];
      for (let offset = 0; offset + registers <= registerCount; offset += 1) {
        const value = bytes.subarray(offset * 2, (offset + registers) * 2);
        for (const type of types) {
          rows.push({ address: firstAddress + offset, type, cells: orders.map((order) => formatNumber(decodeRegisters(value, { type, order }) as number, type)) });
        }
        if (registers === 1) rows.push({ address: firstAddress + offset, type: 'text', cells: orders.map((order) => ({ text: characters(value, order), implausible: false })) });
      }
      return { registers, orders, rows };
    });
}

function formatNumber(value: number, type: ModbusDataType): { text: string; implausible: boolean } {
  if (type !== 'float32' && type !== 'float64') return { text: String(value), implausible: false };
  const magnitude = Math.abs(value);
  const implausible = !Number.isFinite(value) || magnitude >= plausibleMagnitude.max || (magnitude > 0 && magnitude < plausibleMagnitude.min);
  return { text: Number.isFinite(value) ? withDigits(value, type === 'float32' ? 7 : 15) : String(value), implausible };
}

/** The digits the type carries, without trailing zeros: 230.5, not 230.5000; 1.5e-200, not 1.500000e-200. */
function withDigits(value: number, digits: number): string {
  const [mantissa, exponent] = value.toPrecision(digits).split('e');
  const trimmed = mantissa!.includes('.') ? mantissa!.replace(/\.?0+$/, '') : mantissa!;
  return exponent === undefined ? trimmed : `${trimmed}e${exponent}`;
}

/** The register's two bytes as characters, in this order; what is not printable ASCII shows as "·". */
function characters(register: Uint8Array, order: ByteOrder): string {
  const pair = order === 'BA' ? [register[1]!, register[0]!] : [register[0]!, register[1]!];
  return `"${pair.map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '·')).join('')}"`;
}
