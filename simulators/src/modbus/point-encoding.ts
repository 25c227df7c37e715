/**
 * Where a profile point lives in the register bank, and how its engineering value is stored
 * there: raw = (value - offset) / scale (and / 10^factor for a point with a scale factor point,
 * as the bank holds that factor now), encoded with the agent's own codec in the point's type
 * and byte order, so the simulator serves exactly what the agent decodes.
 */
import { decodeRegisters, encodeValue, registerCount, type ByteOrder, type DecodedValue, type ModbusPointDocument, type RegisterLayout } from '@davy/edge-agent/modbus';
import type { RegisterBank } from './register-bank.js';

export interface ServedPoint {
  readonly document: ModbusPointDocument;
  readonly layout: RegisterLayout;
  /** Registers (or bits, in a coil or discrete table) the point occupies. */
  readonly count: number;
  /** The point holding this one's power-of-ten scale factor (SunSpec sunssf). */
  readonly scaleFactor?: ServedPoint;
}

export function servedPoint(document: ModbusPointDocument, defaultOrder: ByteOrder = 'ABCD', scaleFactor?: ServedPoint): ServedPoint {
  const layout: RegisterLayout = { type: document.type, order: document.order ?? defaultOrder, bit: document.bit, length: document.length };
  const count = document.table === 'coil' || document.table === 'discrete' ? 1 : registerCount(document.type, document.length);
  return { document, layout, count, scaleFactor };
}

export function writePointValue(bank: RegisterBank, point: ServedPoint, value: number): void {
  const { table, address, type, scale, offset } = point.document;
  const raw = timesTenToThe((value - offset) / scale, -factorOf(bank, point));
  if (table === 'coil' || table === 'discrete') {
    bank.bits[table][address] = raw !== 0 ? 1 : 0;
    return;
  }
  const registers = bank.registers[table];
  if (type === 'bool') {
    // Several flags may share one register: change only this point's bit.
    const mask = encodeValue(true, point.layout);
    for (let i = 0; i < mask.length; i += 1) {
      const at = address * 2 + i;
      registers[at] = raw !== 0 ? registers[at]! | mask[i]! : registers[at]! & ~mask[i]!;
    }
    return;
  }
  registers.set(encodeValue(raw, point.layout), address * 2);
}

/** The value a client reading the point now would compute (scaled; strings and flags as they are). */
export function readPointValue(bank: RegisterBank, point: ServedPoint): DecodedValue {
  const { table, address, scale, offset } = point.document;
  if (table === 'coil' || table === 'discrete') return bank.bits[table][address] === 1;
  const decoded = decodeRegisters(bank.registers[table].subarray(address * 2, (address + point.count) * 2), point.layout);
  return typeof decoded === 'number' ? timesTenToThe(decoded, factorOf(bank, point)) * scale + offset : decoded;
}

function factorOf(bank: RegisterBank, point: ServedPoint): number {
  return point.scaleFactor ? Number(readPointValue(bank, point.scaleFactor)) : 0;
}

/** value × 10^exponent, dividing for negative exponents so that 2301 × 10^-1 is exactly 230.1. */
function timesTenToThe(value: number, exponent: number): number {
  return exponent < 0 ? value / 10 ** -exponent : value * 10 ** exponent;
}
