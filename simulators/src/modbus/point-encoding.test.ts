import { describe, expect, it } from 'vitest';
import type { ModbusPointDocument } from '@davy/edge-agent/modbus';
import { readPointValue, servedPoint, writePointValue } from './point-encoding.js';
import { RegisterBank } from './register-bank.js';

function point(fields: Partial<ModbusPointDocument> & Pick<ModbusPointDocument, 'table' | 'address' | 'type'>): ModbusPointDocument {
  return { name: 'p', metric: 'm', unit: '', scale: 1, offset: 0, ...fields };
}

const bank = () => new RegisterBank({ coil: 4, discrete: 4, input: 8, holding: 8 });

describe('point values in registers', () => {
  it('stores raw = (value - offset) / scale: methane 0.32 % at scale 0.01 is register 32', () => {
    const registers = bank();
    const ch4 = servedPoint(point({ table: 'holding', address: 0, type: 'uint16', scale: 0.01 }));
    writePointValue(registers, ch4, 0.32);
    expect([...registers.registers.holding.subarray(0, 2)]).toEqual([0, 32]);
    expect(readPointValue(registers, ch4)).toBe(0.32);
  });

  it('applies the offset before the scale: -12.5 °C at scale 0.1, offset -40 is 275', () => {
    const registers = bank();
    const temperature = servedPoint(point({ table: 'input', address: 1, type: 'int16', scale: 0.1, offset: -40 }));
    writePointValue(registers, temperature, -12.5);
    expect([...registers.registers.input.subarray(2, 4)]).toEqual([0x01, 0x13]);
  });

  it('uses the profile default order unless the point names its own', () => {
    const registers = bank();
    writePointValue(registers, servedPoint(point({ table: 'holding', address: 0, type: 'uint32', scale: 0.01 }), 'CDAB'), 1523042.5);
    writePointValue(registers, servedPoint(point({ table: 'holding', address: 2, type: 'uint32', order: 'ABCD' }), 'CDAB'), 0x01020304);
    // 152304250 = 0x0913 FA7A: low word first under CDAB.
    expect([...registers.registers.holding.subarray(0, 8)]).toEqual([0xfa, 0x7a, 0x09, 0x13, 0x01, 0x02, 0x03, 0x04]);
  });

  it('sets only its own bit for a bool in a register, so flags can share one', () => {
    const registers = bank();
    const flag = (bit: number) => servedPoint(point({ table: 'holding', address: 3, type: 'bool', bit }));
    writePointValue(registers, flag(0), 1);
    writePointValue(registers, flag(9), 1);
    writePointValue(registers, flag(4), 1);
    writePointValue(registers, flag(0), 0);
    expect([...registers.registers.holding.subarray(6, 8)]).toEqual([0b10, 0b1_0000]);
    expect([readPointValue(registers, flag(9)), readPointValue(registers, flag(0))]).toEqual([true, false]);
  });

  it('stores coils and discrete inputs as one byte per bit', () => {
    const registers = bank();
    writePointValue(registers, servedPoint(point({ table: 'coil', address: 2, type: 'bool' })), 1);
    writePointValue(registers, servedPoint(point({ table: 'discrete', address: 1, type: 'bool' })), 1);
    expect([...registers.bits.coil, ...registers.bits.discrete]).toEqual([0, 0, 1, 0, 0, 1, 0, 0]);
  });
});
