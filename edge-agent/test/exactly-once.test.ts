/**
 * The guarantee: nothing lost, nothing doubled. A simulated register counts its own reads, the
 * agent polls it at 10 Hz, and in the middle something breaks — the hub is SIGKILLed and comes
 * back 10 s later, the agent is SIGKILLed and restarted, or the line to the hub is cut for
 * 10 s. Afterwards the hub must hold every value the agent committed exactly once.
 */
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { sleep } from '@davy/runtime';
import { TestStack } from './support/stack.js';

const readCounter = path.join(import.meta.dirname, 'fixtures', 'read-counter.yaml');

async function startStack(context: TestContext, throughProxy = false): Promise<TestStack> {
  return TestStack.start({ profile: readCounter, pollInterval: '100ms', throughProxy, uplink: { ackTimeout: '5s' } }, context);
}


/**
 * Stops the counter (the device goes away), lets the agent drain, and returns the hub's values
 * with the number of reads the simulator answered.
 */
async function settle(stack: TestStack): Promise<{ values: number[]; answered: number }> {
  await stack.sim!.stop();
  const stopped = await stack.sim!.waitForEvent('modbus.stopped');
  await stack.waitForDrain();
  const points = await stack.rawPoints('reads');
  return { values: points.filter((point) => point.quality === 'good').map((point) => point.value!), answered: (stopped.values as { reads: number }).reads };
}

/**
 * The values must be 1, 2, … in order, each once, up to the last read the simulator answered
 * (or the one before it: the simulator may stop between answering and the agent reading the
 * answer); `allowedHoles` values may be missing.
 */
function expectExactlyOnce({ values, answered }: { values: number[]; answered: number }, allowedHoles: number): void {
  expect(values.length).toBeGreaterThan(40);
  expect(values[values.length - 1], 'the last reads never reached the hub').toBeGreaterThanOrEqual(answered - 1);
  const duplicates = values.length - new Set(values).size;
  expect(duplicates, 'duplicate values at the hub').toBe(0);
  for (let i = 1; i < values.length; i += 1) expect(values[i]!, `values out of order at ${i}`).toBeGreaterThan(values[i - 1]!);
  expect(values[0]).toBe(1);
  const holes = values[values.length - 1]! - values.length;
  expect(holes, 'values missing at the hub').toBeLessThanOrEqual(allowedHoles);
}

describe('exactly once, with real processes', () => {
  it.concurrent('the hub is SIGKILLed and restarted 10 s later', async (context) => {
    const stack = await startStack(context);
    await sleep(2_000);
    stack.hub!.kill('SIGKILL');
    await stack.hub!.exited;
    await sleep(10_000);
    await stack.startHub();
    await stack.agent!.waitForEvent('uplink.connected', 20_000, (event) => (event.watermark as number) > 0);
    await sleep(1_000);
    const result = await settle(stack);
    expectExactlyOnce(result, 0);
    // The outage was buffered, not skipped: ~10 s at 10 Hz arrived after the restart.
    expect(result.values.length).toBeGreaterThan(120);
  }, 90_000);

  it.concurrent('the agent is SIGKILLed mid-stream and restarted', async (context) => {
    const stack = await startStack(context);
    await sleep(3_000);
    stack.agent!.kill('SIGKILL');
    await stack.agent!.exited;
    await sleep(1_000);
    await stack.startAgent();
    await sleep(3_000);
    // The one read in flight when the agent died may be missing; nothing else.
    expectExactlyOnce(await settle(stack), 1);
  }, 90_000);

  it.concurrent('the line to the hub is cut for 10 s, acks lost first', async (context) => {
    const stack = await startStack(context, true);
    await sleep(2_000);
    // For the first second the hub stores batches but its acks are lost: after the cut the
    // agent learns the hub's watermark and sends only what the hub lacks.
    await stack.proxy!.cut(10_000, { repliesLostFirstMs: 1_000 });
    await stack.agent!.waitForEvent('uplink.disconnected', 15_000);
    await sleep(3_000);
    const result = await settle(stack);
    expectExactlyOnce(result, 0);
    expect(result.values.length).toBeGreaterThan(120);
    const reconnected = stack.agent!.events().filter((event) => event.event === 'uplink.connected');
    expect(reconnected.length).toBeGreaterThanOrEqual(2);
    expect(stack.hub!.events().filter((event) => event.event === 'ingest.duplicates_skipped')).toEqual([]);
  }, 90_000);
});
