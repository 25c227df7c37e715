/**
 * The exactly-once check shared by the cross-process tests: a simulated register counts its own
 * reads, and the hub must end up with 1, 2, 3, … each exactly once.
 */
import { expect } from 'vitest';
import type { TestStack } from './stack.js';

/**
 * Stops the counter (the device goes away), lets the agent drain, and returns the hub's values
 * with the number of reads the simulator answered.
 */
export async function settle(stack: TestStack, drainTimeoutMs?: number): Promise<{ values: number[]; answered: number }> {
  await stack.sim!.stop();
  const stopped = await stack.sim!.waitForEvent('modbus.stopped');
  await stack.waitForDrain(drainTimeoutMs);
  const points = await stack.rawPoints('reads');
  return { values: points.filter((point) => point.quality === 'good').map((point) => point.value!), answered: (stopped.values as { reads: number }).reads };
}

/**
 * The values must be 1, 2, … in order, each once, up to the last read the simulator answered
 * (or the one before it: the simulator may stop between answering and the agent reading the
 * answer); `allowedHoles` values may be missing.
 */
export function expectExactlyOnce({ values, answered }: { values: number[]; answered: number }, allowedHoles: number): void {
  expect(values.length).toBeGreaterThan(40);
  expect(values[values.length - 1], 'the last reads never reached the hub').toBeGreaterThanOrEqual(answered - 1);
  const duplicates = values.length - new Set(values).size;
  expect(duplicates, 'duplicate values at the hub').toBe(0);
  for (let i = 1; i < values.length; i += 1) expect(values[i]!, `values out of order at ${i}`).toBeGreaterThan(values[i - 1]!);
  expect(values[0]).toBe(1);
  const holes = values[values.length - 1]! - values.length;
  expect(holes, 'values missing at the hub').toBeLessThanOrEqual(allowedHoles);
}
