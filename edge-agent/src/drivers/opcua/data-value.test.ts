import { describe, expect, it } from 'vitest';
import { qualityOf, readingFromDataValue } from './data-value.js';

const source = new Date('2026-11-26T08:00:00.100Z');
const server = new Date('2026-11-26T08:00:00.150Z');

describe('DataValue → reading', () => {
  it('maps the status severity to quality', () => {
    expect([0x00000000, 0x40920000, 0x80000000, 0x808a0000, 0xc0000000].map(qualityOf)).toEqual(['good', 'uncertain', 'bad', 'bad', 'bad']);
  });

  it('takes the source timestamp, else the server timestamp, else the read time', () => {
    const value = { dataType: 11, value: 740.5 };
    expect(readingFromDataValue('speed', { value, sourceTimestamp: source, serverTimestamp: server }, 1)).toEqual({ point: 'speed', value: 740.5, timeMs: source.getTime(), quality: 'good', raw: undefined, significantDigits: undefined, error: undefined });
    expect(readingFromDataValue('speed', { value, sourceTimestamp: null, serverTimestamp: server }, 1).timeMs).toBe(server.getTime());
    expect(readingFromDataValue('speed', { value, sourceTimestamp: new Date(0) }, 7).timeMs).toBe(7);
  });

  it('a Bad value is null with the status name; an Uncertain one keeps its value and says why', () => {
    expect(readingFromDataValue('speed', { value: { dataType: 11, value: 1 }, statusCode: { value: 0x808a0000, name: 'BadSensorFailure' } }, 5)).toMatchObject({ value: null, quality: 'bad', error: 'BadSensorFailure' });
    expect(readingFromDataValue('speed', { value: { dataType: 10, value: 1.5 }, statusCode: { value: 0x40920000, name: 'UncertainLastUsableValue' } }, 5)).toMatchObject({ value: 1.5, quality: 'uncertain', error: 'UncertainLastUsableValue', significantDigits: 7 });
  });

  it('converts 64-bit integers, dates and text, and refuses arrays and empty values', () => {
    expect(readingFromDataValue('n', { value: { dataType: 8, value: [0xffffffff, 0xfffffffe] } }, 0).value).toBe(-2);
    expect(readingFromDataValue('n', { value: { dataType: 9, value: [1, 5] } }, 0).value).toBe(2 ** 32 + 5);
    expect(readingFromDataValue('t', { value: { dataType: 13, value: source } }, 0).value).toBe(source.getTime());
    expect(readingFromDataValue('s', { value: { dataType: 21, value: { text: 'ok' } } }, 0).value).toBe('ok');
    expect(readingFromDataValue('a', { value: { dataType: 11, arrayType: 1, value: [1, 2] } }, 0)).toMatchObject({ value: null, quality: 'bad', error: 'the node holds an array (Double[]); a point reads one scalar' });
    expect(readingFromDataValue('e', { value: { dataType: 0, value: null } }, 0)).toMatchObject({ value: null, quality: 'bad', error: 'the server sent no value (Null)' });
  });
});
