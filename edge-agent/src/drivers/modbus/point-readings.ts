/** A read's reply made into point readings: decoded values, or bad readings that say why (a failed read, a "not implemented" pattern). */
import { errorMessage } from '@davy/runtime';
import type { PointReading } from '../driver.js';
import { decodeRegisters, type DecodedValue } from './codec.js';
import { isBitTable } from './data-types.js';
import type { TableData } from './modbus-connection.js';
import type { ModbusPoint } from './modbus-points.js';
import { notImplementedReason } from './not-implemented.js';
import type { RegisterRead } from './register-plan.js';

/** `withRaw`: also show the registers as text (for people; polling skips that cost). */
export function decodeRead(read: RegisterRead<ModbusPoint>, data: TableData, timeMs: number, withRaw: boolean): PointReading[] {
  return read.items.map(({ point, offset }) => decodePoint(point, offset, data, timeMs, withRaw));
}

export function badReadings(reads: ReadonlyArray<RegisterRead<ModbusPoint>>, error: string, timeMs: number): PointReading[] {
  return reads.flatMap((read) => read.items.map(({ point }) => ({ point: point.name, value: null, timeMs, quality: 'bad' as const, error })));
}

function decodePoint(point: ModbusPoint, offset: number, data: TableData, timeMs: number, withRaw: boolean): PointReading {
  if (isBitTable(point.table)) {
    const bit = data[offset] === 1;
    return { point: point.name, value: bit, timeMs, quality: 'good', raw: withRaw ? (bit ? '1' : '0') : undefined };
  }
  const bytes = data.subarray(offset * 2, (offset + point.count) * 2);
  const raw = withRaw ? formatRegisters(bytes) : undefined;
  let value: DecodedValue;
  try {
    value = decodeRegisters(bytes, point);
  } catch (error) {
    return { point: point.name, value: null, timeMs, quality: 'bad', raw, error: `cannot decode: ${errorMessage(error)}` };
  }
  const notImplemented = notImplementedReason(bytes, point);
  if (notImplemented) return { point: point.name, value: null, timeMs, quality: 'bad', raw, error: notImplemented };
  return { point: point.name, value, timeMs, quality: 'good', raw, significantDigits: point.type === 'float32' ? 7 : undefined };
}

export function formatRegisters(bytes: Uint8Array): string {
  const words: string[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) words.push(`0x${((bytes[i]! << 8) | bytes[i + 1]!).toString(16).padStart(4, '0')}`);
  return words.join(' ');
}
