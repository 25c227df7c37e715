/** The division code (GB/T 2260) check, and which divisions lie within which. */
import { describe, expect, it } from 'vitest';
import { regionCodeProblem, regionWithin } from '../../src/registry/region-code.js';

describe('division code (GB/T 2260)', () => {
  it('takes province, city and county codes, and refuses the rest with a reason', () => {
    for (const code of ['140000', '140100', '140105', '110101']) expect(regionCodeProblem(code), code).toBeUndefined();
    expect(regionCodeProblem('14010')).toBe('is not six digits; a division code (GB/T 2260) is six, e.g. 140100 for Taiyuan, Shanxi');
    expect(regionCodeProblem('990100')).toBe('starts with 99, which is no province-level division (GB/T 2260: 11 Beijing … 14 Shanxi … 82 Macao)');
    expect(regionCodeProblem('140005')).toBe('names a county under city 00; a county code needs its city (the middle two digits)');
  });

  it('puts a county in its city and province, and in no other', () => {
    expect([regionWithin('140105', '140000'), regionWithin('140105', '140100'), regionWithin('140105', '140105')]).toEqual([true, true, true]);
    expect([regionWithin('140105', '140200'), regionWithin('140105', '130000'), regionWithin('140100', '140105')]).toEqual([false, false, false]);
  });
});
