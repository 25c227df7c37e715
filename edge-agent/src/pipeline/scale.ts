/** Raw device value → engineering value: value = raw × scale + offset; booleans count as 0/1. */
import type { PointSpec } from '../config/device-spec.js';

export function scaleValue(raw: number | boolean, point: Pick<PointSpec, 'scale' | 'offset'>): number {
  const number = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
  return number * point.scale + point.offset;
}
