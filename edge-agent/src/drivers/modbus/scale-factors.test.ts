/**
 * Scale factors from fixed register bytes: each case is the registers a SunSpec device sends for
 * a value and its factor, and the engineering value they mean, worked out by hand from the
 * SunSpec rule (value = raw × 10^SF, the factor an int16), not with this codebase's encoder.
 */
import { describe, expect, it } from 'vitest';
import type { ModbusPoint } from './modbus-points.js';
import { decodeRead } from './point-readings.js';
import { applyScaleFactors } from './scale-factors.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function point(name: string, type: ModbusPoint['type'], address: number, extra: Partial<ModbusPoint> = {}): ModbusPoint {
  const count = type === 'uint32' ? 2 : 1;
  return { name, metric: 'test', unit: '', scale: 1, offset: 0, intervalMs: 1000, table: 'holding', address, type, order: 'ABCD', count, ...extra };
}

/** A value point at holding 0 (one or two registers) and its factor right behind it, read in one request. */
function scaled(type: 'int16' | 'uint16' | 'uint32', registers: string) {
  const value = point('value', type, 0, { scaleFactor: 'value_sf', notImplemented: { int16: 0x8000, uint16: 0xffff, uint32: 0 }[type] });
  const factor = point('value_sf', 'int16', value.count, { notImplemented: 0x8000 });
  const read = { table: 'holding' as const, start: 0, count: value.count + 1, items: [{ point: value, offset: 0 }, { point: factor, offset: value.count }] };
  const readings = applyScaleFactors(decodeRead(read, hex(registers), 0, false), new Map([[value.name, value], [factor.name, factor]]));
  return readings.find((reading) => reading.point === 'value')!;
}

describe('scale factors, from the bytes a device sends', () => {
  it.each([
    ['uint16 2305 × 10^-1', 'uint16', '0901 ffff', 230.5],
    ['int16 -123 × 10^-2', 'int16', 'ff85 fffe', -1.23],
    ['int16 -10 × 10^-1', 'int16', 'fff6 ffff', -1],
    ['int16 2000 × 10^1', 'int16', '07d0 0001', 20000],
    ['uint16 3000 × 10^0', 'uint16', '0bb8 0000', 3000],
    ['uint16 65534 × 10^-3', 'uint16', 'fffe fffd', 65.534],
    ['acc32 115208 × 10^1', 'uint32', '0001 c208 0001', 1152080],
    ['int16 32767 × 10^-10', 'int16', '7fff fff6', 0.0000032767],
    ['int16 1 × 10^10', 'int16', '0001 000a', 10_000_000_000],
  ] as const)('%s', (_name, type, registers, value) => {
    expect(scaled(type, registers)).toMatchObject({ value, quality: 'good' });
  });

  it.each([
    ['a factor beyond 10', 'int16', '0001 000b', 'scale factor value_sf is 11, outside -10…10'],
    ['a factor below -10', 'int16', '0001 fff5', 'scale factor value_sf is -11, outside -10…10'],
    ['a factor the device does not implement', 'uint16', '0901 8000', 'its scale factor value_sf has no value: not implemented by the device (0x8000)'],
    ['an int16 value the device does not implement', 'int16', '8000 ffff', 'not implemented by the device (0x8000)'],
    ['a uint16 value the device does not implement', 'uint16', 'ffff ffff', 'not implemented by the device (0xFFFF)'],
    ['an acc32 counter the device does not implement', 'uint32', '0000 0000 0001', 'not implemented by the device (0x00000000)'],
  ] as const)('makes the value bad for %s', (_name, type, registers, error) => {
    expect(scaled(type, registers)).toMatchObject({ value: null, quality: 'bad', error });
  });

  it('makes the value bad when its factor was not read in the same poll', () => {
    const value = point('value', 'uint16', 0, { scaleFactor: 'value_sf' });
    const readings = applyScaleFactors(decodeRead({ table: 'holding', start: 0, count: 1, items: [{ point: value, offset: 0 }] }, hex('0901'), 0, false), new Map([[value.name, value]]));
    expect(readings).toEqual([{ point: 'value', value: null, timeMs: 0, quality: 'bad', error: 'its scale factor value_sf has no value' }]);
  });
});
