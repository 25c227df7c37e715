/**
 * The guarantee: nothing lost, nothing doubled. A simulated register counts its own reads, the
 * agent polls it at 10 Hz, and in the middle something breaks — the hub is SIGKILLed and comes
 * back 10 s later, the agent is SIGKILLed and restarted, or the line to the hub is cut for
 * 10 s. Afterwards the hub must hold every value the agent committed exactly once.
 */
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { TestStack } from './support/stack.js';

const readCounter = path.join(import.meta.dirname, 'fixtures', 'read-counter.yaml');

async function startStack(context: TestContext, throughProxy = false): Promise<TestStack> {
  // Small batches: after a reconnect the agent then sends at once, before the hub's first ack
  // tells it the watermark, so resent records really reach the hub and must be skipped there.
  const stack = await TestStack.start({ profile: readCounter, pollInterval: '100ms', throughProxy, uplink: { ackTimeout: '5s', batchMaxRecords: 5 } });
  context.onTestFinished(() => stack.stop());
  return stack;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stops the counter (the device goes away), lets the agent drain, returns the hub's values. */
async function settle(stack: TestStack): Promise<number[]> {
  await stack.sim!.stop();
  await stack.waitForDrain();
  const points = await stack.rawPoints('reads');
  return points.filter((point) => point.quality === 'good').map((point) => point.value!);
}

/** The values must be 1..max in order, each once; `allowedHoles` values may be missing. */
function expectExactlyOnce(values: number[], allowedHoles: number): void {
  expect(values.length).toBeGreaterThan(40);
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
    const values = await settle(stack);
    expectExactlyOnce(values, 0);
    // The outage was buffered, not skipped: ~10 s at 10 Hz arrived after the restart.
    expect(values.length).toBeGreaterThan(120);
  }, 90_000);

  it.concurrent('the agent is SIGKILLed mid-stream and restarted', async (context) => {
    const stack = await startStack(context);
    await sleep(3_000);
    stack.agent!.kill('SIGKILL');
    await stack.agent!.exited;
    await sleep(1_000);
    await stack.startAgent();
    await sleep(3_000);
    const values = await settle(stack);
    // The one read in flight when the agent died may be missing; nothing else.
    expectExactlyOnce(values, 1);
  }, 90_000);

  it.concurrent('the line to the hub is cut for 10 s, acks lost first', async (context) => {
    const stack = await startStack(context, true);
    await sleep(2_000);
    // For the first second the hub stores batches but its acks are lost: the agent must send
    // them again, and the hub must skip them.
    await stack.proxy!.cut(10_000, { repliesLostFirstMs: 1_000 });
    await stack.agent!.waitForEvent('uplink.disconnected', 15_000);
    await sleep(3_000);
    const values = await settle(stack);
    expectExactlyOnce(values, 0);
    expect(values.length).toBeGreaterThan(120);
    const skipped = stack.hub!.events().filter((event) => event.event === 'ingest.duplicates_skipped');
    expect(skipped.length, 'the hub saw no resent records, so this test did not test the watermark').toBeGreaterThan(0);
  }, 90_000);
});
