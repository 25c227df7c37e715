/**
 * "Not implemented" values: a SunSpec device fills a register it does not have with a fixed
 * pattern (int16 0x8000, uint16 0xFFFF, acc32 0 …), which read as a number would be a wild value
 * of good quality: an inverter without a transformer sensor would report −3276.8 °C. A point
 * names its pattern with `notImplemented:`; a point with a scale factor, or that is one, is a
 * SunSpec point and has its type's pattern without saying so. A reading that matches is bad,
 * saying why.
 */
import { decodeRegisters } from './codec.js';
import { registerCount, type ByteOrder, type ModbusDataType } from './data-types.js';

/** SunSpec's patterns by type; uint32 with a scale factor is an acc32 (an energy counter), whose pattern is 0. */
const sunSpecPatterns: Partial<Record<ModbusDataType, number>> = { int16: 0x8000, uint16: 0xffff, int32: 0x80000000, uint32: 0 };

/**
 * The types a pattern can be given for: those a register pattern of 16 or 32 bits can mark. A
 * bool read from a register is matched on its whole register: a bitfield the device does not
 * implement (all ones) would otherwise raise every alarm it holds.
 */
export const patternTypes: ReadonlySet<ModbusDataType> = new Set(['bool', 'int16', 'uint16', 'int32', 'uint32']);

/** The pattern of a point: its own, else its SunSpec type's when it is a SunSpec point. */
export function notImplementedPattern(point: { type: ModbusDataType; notImplemented?: number }, isSunSpecPoint: boolean): number | undefined {
  return point.notImplemented ?? (isSunSpecPoint ? sunSpecPatterns[point.type] : undefined);
}

/** Why the registers are no value, or undefined when they are one. `bytes`: the point's registers as read. */
export function notImplementedReason(bytes: Uint8Array, point: { type: ModbusDataType; order: ByteOrder; notImplemented?: number }): string | undefined {
  if (point.notImplemented === undefined) return undefined;
  const width = registerCount(point.type);
  const pattern = decodeRegisters(bytes, { type: width === 1 ? 'uint16' : 'uint32', order: point.order });
  if (pattern !== point.notImplemented) return undefined;
  return `not implemented by the device (0x${point.notImplemented.toString(16).toUpperCase().padStart(width * 4, '0')})`;
}
