/**
 * The four tables of one simulated Modbus device, kept as the wire sees them so that a read is
 * one copy: registers as big-endian byte pairs, coils and discrete inputs one byte (0 or 1) per
 * bit, packed only when a reply is built.
 */
import type { ModbusTable } from '@davy/edge-agent/modbus';

export type RegisterTable = 'input' | 'holding';
export type BitTable = 'coil' | 'discrete';

/** Addresses are 16-bit, so no table holds more. */
export const addressSpace = 65536;

export class RegisterBank {
  readonly registers: Readonly<Record<RegisterTable, Uint8Array>>;
  readonly bits: Readonly<Record<BitTable, Uint8Array>>;

  /** `sizes`: how many addresses of each table are served, from address 0. */
  constructor(readonly sizes: Readonly<Record<ModbusTable, number>>) {
    for (const [table, size] of Object.entries(sizes)) {
      if (!Number.isInteger(size) || size < 0 || size > addressSpace) throw new RangeError(`${table} table size ${size} is not within 0…${addressSpace}`);
    }
    this.registers = { input: new Uint8Array(sizes.input * 2), holding: new Uint8Array(sizes.holding * 2) };
    this.bits = { coil: new Uint8Array(sizes.coil), discrete: new Uint8Array(sizes.discrete) };
  }
}
