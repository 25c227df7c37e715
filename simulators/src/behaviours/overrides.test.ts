import { describe, expect, it } from 'vitest';
import { overriddenBlock, parseOverride } from './overrides.js';

describe('--set overrides', () => {
  it('splits POINT.PARAM=VALUE at the last dot, so point names may hold dots', () => {
    expect(parseOverride('ch4_working_face.peak=2.0')).toEqual({ point: 'ch4_working_face', param: 'peak', value: 2, text: 'ch4_working_face.peak=2.0' });
    expect(parseOverride('line.1.kind=reads')).toEqual({ point: 'line.1', param: 'kind', value: 'reads', text: 'line.1.kind=reads' });
    expect(parseOverride('x.value=')).toEqual({ point: 'x', param: 'value', value: '', text: 'x.value=' });
  });

  it.each(['peak=2', 'ch4.peak', '.peak=2', 'ch4.=2'])('rejects %s', (text) => {
    expect(() => parseOverride(text)).toThrow(`"${text}" is not POINT.PARAM=VALUE, e.g. ch4_working_face.peak=2.0 or ch4_working_face.kind=reads`);
  });

  it('lays parameters over the profile block', () => {
    const block = { kind: 'spike', base: 0.32, peak: 1.2, everyS: 120, durationS: 15 };
    expect(overriddenBlock(block, ['ch4.peak=2', 'ch4.everyS=30'].map(parseOverride))).toEqual({ ...block, peak: 2, everyS: 30 });
  });

  it('starts from an empty block when the kind changes', () => {
    const block = { kind: 'spike', base: 0.32, peak: 1.2, everyS: 120, durationS: 15 };
    expect(overriddenBlock(block, ['ch4.value=0.5', 'ch4.kind=constant'].map(parseOverride))).toEqual({ kind: 'constant', value: 0.5 });
    expect(overriddenBlock(block, ['ch4.kind=spike', 'ch4.peak=3'].map(parseOverride))).toEqual({ ...block, peak: 3 });
  });
});
