import { describe, expect, it } from 'vitest';
import { interpretRegisters } from './register-interpretations.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const row = (sections: ReturnType<typeof interpretRegisters>, registers: number, address: number, type: string) =>
  sections.find((section) => section.registers === registers)!.rows.find((r) => r.address === address && r.type === type)!.cells.map((cell) => cell.text + (cell.implausible ? ' ?' : ''));

describe('register interpretations', () => {
  // 230.5 as a float32 is 0x43668000: each layout of it reads back as 230.5 under its own order
  // only. Expected values computed with Python's struct, not with this codebase.
  it('finds 230.5 under the order it was written in, and marks what no measurement is', () => {
    expect(row(interpretRegisters(hex('4366 8000'), 0), 2, 0, 'float32')).toEqual(['230.5', '-2.4178e-41 ?', '2.302177e+23 ?', '1.179163e-38 ?']);
    expect(row(interpretRegisters(hex('8000 4366'), 0), 2, 0, 'float32')).toEqual(['-2.4178e-41 ?', '230.5', '1.179163e-38 ?', '2.302177e+23 ?']);
    expect(row(interpretRegisters(hex('6643 0080'), 0), 2, 0, 'float32')).toEqual(['2.302177e+23 ?', '1.179163e-38 ?', '230.5', '-2.4178e-41 ?']);
    expect(row(interpretRegisters(hex('0080 6643'), 0), 2, 0, 'float32')).toEqual(['1.179163e-38 ?', '2.302177e+23 ?', '-2.4178e-41 ?', '230.5']);
  });

  it('reads 16-bit integers and characters both ways, at every address', () => {
    const sections = interpretRegisters(hex('fffe 5375'), 40000);
    expect(row(sections, 1, 40000, 'int16')).toEqual(['-2', '-257']);
    expect(row(sections, 1, 40000, 'uint16')).toEqual(['65534', '65279']);
    expect(row(sections, 1, 40001, 'text')).toEqual(['"Su"', '"uS"']);
    expect(row(sections, 1, 40000, 'text')).toEqual(['"··"', '"··"']);
    expect(row(sections, 2, 40000, 'uint32')).toEqual(['4294857589', '1400242174', '4278154579', '1968439039']);
  });

  it('gives 32-bit values from every start address, and 64-bit ones only from four registers', () => {
    const sections = interpretRegisters(hex('0000 0001 0000 0002 0003'), 10);
    expect(sections.map((section) => [section.registers, new Set(section.rows.map((r) => r.address)).size])).toEqual([[1, 5], [2, 4], [4, 2]]);
    expect(row(sections, 2, 11, 'int32')).toEqual(['65536', '1', '16777216', '256']);
    // Beyond 2^53 an int64 is what the agent decodes: a double, printed shortest.
    expect(row(sections, 4, 10, 'int64')).toEqual(['4294967298', '562949953486848', '1099511628288', String(144115188092633088)]);
    expect(row(sections, 4, 10, 'float64')).toEqual(['2.1219957919534e-314 ?', '2.78134232345779e-309 ?', '5.43230922740071e-312 ?', '4.77830974453707e-299 ?']);
    expect(interpretRegisters(hex('0001'), 0).map((section) => section.registers)).toEqual([1]);
  });

  it('keeps an exponent\'s zeros: 1e-200 is not 1e-2', () => {
    expect(row(interpretRegisters(hex('1668 7e92 154e f7ac'), 0), 4, 0, 'float64')[0]).toBe('1e-200 ?');
  });

  it('marks NaN and infinities', () => {
    expect(row(interpretRegisters(hex('7fc0 0000'), 0), 2, 0, 'float32')).toEqual(['NaN ?', '4.582806e-41 ?', '-3.984375', '6.905459e-41 ?']);
    expect(row(interpretRegisters(hex('7f80 0000'), 0), 2, 0, 'float32')[0]).toBe('Infinity ?');
  });
});
