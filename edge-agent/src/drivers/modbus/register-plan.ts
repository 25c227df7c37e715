/**
 * The request planner: the points of one device and table are coalesced into as few reads as
 * possible. A read may bridge a gap of unused addresses up to `maxGap`, and never spans more
 * than the protocol's limit (125 registers or 2000 bits per request, or less where a device
 * asks for less).
 */
import { isBitTable, modbusTables, type ModbusTable } from './data-types.js';

export interface PlanLimits {
  /** Registers per read (Modbus allows 125). */
  maxRegisters: number;
  /** Coils or discrete inputs per read (Modbus allows 2000). */
  maxBits: number;
  /** Unused addresses a read may span between two points (registers, or bits for bit tables). */
  maxGap: number;
}

export const protocolLimits: PlanLimits = { maxRegisters: 125, maxBits: 2000, maxGap: 10 };

export interface PlanItem<P> {
  point: P;
  table: ModbusTable;
  address: number;
  /** Registers (or bits) the point occupies. */
  count: number;
}

export interface RegisterRead<P> {
  table: ModbusTable;
  start: number;
  count: number;
  /** Each point with its offset from `start`, in registers (or bits). */
  items: Array<{ point: P; offset: number }>;
}

export function planReads<P>(items: ReadonlyArray<PlanItem<P>>, limits: PlanLimits = protocolLimits): Array<RegisterRead<P>> {
  const reads: Array<RegisterRead<P>> = [];
  for (const table of modbusTables) {
    const max = isBitTable(table) ? limits.maxBits : limits.maxRegisters;
    const sorted = items
      .filter((item) => item.table === table)
      .sort((a, b) => a.address - b.address || b.count - a.count);
    let current: RegisterRead<P> | undefined;
    for (const item of sorted) {
      if (item.count > max) {
        throw new RangeError(`a point of ${item.count} ${isBitTable(table) ? 'bits' : 'registers'} at ${table} ${item.address} exceeds the ${max} a single read allows`);
      }
      const end = item.address + item.count;
      if (current) {
        const currentEnd = current.start + current.count;
        const gap = item.address - currentEnd;
        const span = Math.max(currentEnd, end) - current.start;
        if (gap <= limits.maxGap && span <= max) {
          current.count = span;
          current.items.push({ point: item.point, offset: item.address - current.start });
          continue;
        }
      }
      current = { table, start: item.address, count: item.count, items: [{ point: item.point, offset: 0 }] };
      reads.push(current);
    }
  }
  return reads;
}
