/**
 * Power-of-ten scale factors read from the device itself (SunSpec's sunssf registers): a point
 * with `scaleFactor: W_SF` is worth raw × 10^W_SF, with W_SF as read in the same poll. A factor
 * the device does not implement (0x8000, a bad reading of its own), or outside SunSpec's −10…10,
 * makes the value bad rather than a silent zero or a wild number.
 */
import type { PointReading } from '../driver.js';
import type { ModbusPoint } from './modbus-points.js';

/** SunSpec: "valid values for scale factors are −10 to 10". */
const maxExponent = 10;

export function applyScaleFactors(readings: readonly PointReading[], points: ReadonlyMap<string, ModbusPoint>): PointReading[] {
  const byPoint = new Map(readings.map((reading) => [reading.point, reading]));
  return readings.map((reading) => {
    const factorName = points.get(reading.point)?.scaleFactor;
    if (factorName === undefined || typeof reading.value !== 'number') return reading;
    const factor = byPoint.get(factorName);
    if (!factor || typeof factor.value !== 'number') {
      return { ...reading, value: null, quality: 'bad', error: `its scale factor ${factorName} has no value${factor?.error ? `: ${factor.error}` : ''}` };
    }
    const exponent = factor.value;
    if (!Number.isInteger(exponent) || Math.abs(exponent) > maxExponent) {
      return { ...reading, value: null, quality: 'bad', error: `scale factor ${factorName} is ${exponent}, outside -${maxExponent}…${maxExponent}` };
    }
    // Dividing by 10^n keeps 2301 × 10^-1 at exactly 230.1 where multiplying by 0.1 would not.
    const value = exponent < 0 ? reading.value / 10 ** -exponent : reading.value * 10 ** exponent;
    return { ...reading, value };
  });
}
