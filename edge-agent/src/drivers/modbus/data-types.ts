/** The Modbus tables, value types and byte/word orders a profile point can name. */
export const modbusTables = ['coil', 'discrete', 'input', 'holding'] as const;
export type ModbusTable = (typeof modbusTables)[number];

export const modbusDataTypes = ['bool', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'string'] as const;
export type ModbusDataType = (typeof modbusDataTypes)[number];

/**
 * Byte orders, written as the order in which the value's bytes (A = most significant) arrive
 * on the wire. The 4-letter forms apply to 64-bit values too (CDAB = words reversed).
 */
export const byteOrders = ['ABCD', 'BADC', 'CDAB', 'DCBA', 'ABCDEFGH', 'BADCFEHG', 'GHEFCDAB', 'HGFEDCBA', 'AB', 'BA'] as const;
export type ByteOrder = (typeof byteOrders)[number];

export function isBitTable(table: ModbusTable): boolean {
  return table === 'coil' || table === 'discrete';
}

/** Registers a value of this type occupies (strings: `length` registers, two characters each). */
export function registerCount(type: ModbusDataType, length = 1): number {
  switch (type) {
    case 'bool':
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'int64':
    case 'uint64':
    case 'float64':
      return 4;
    case 'string':
      return length;
  }
}

/** An order is two independent swaps: bytes inside each 16-bit word, and the words' order. */
export function swapsOf(order: ByteOrder): { bytes: boolean; words: boolean } {
  switch (order) {
    case 'ABCD':
    case 'ABCDEFGH':
    case 'AB':
      return { bytes: false, words: false };
    case 'BADC':
    case 'BADCFEHG':
    case 'BA':
      return { bytes: true, words: false };
    case 'CDAB':
    case 'GHEFCDAB':
      return { bytes: false, words: true };
    case 'DCBA':
    case 'HGFEDCBA':
      return { bytes: true, words: true };
  }
}
