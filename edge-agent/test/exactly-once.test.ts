/**
 * The guarantee: nothing lost, nothing doubled. A simulated register counts its own reads, the
 * agent polls it at 10 Hz, and in the middle something breaks — the hub is SIGKILLed and comes
 * back 10 s later, the agent is SIGKILLed and restarted, or the line to the hub is cut for
 * 10 s. Afterwards the hub must hold every value the agent committed exactly once.
 */
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { sleep } from '@davy/runtime';
import { expectExactlyOnce, settle } from './support/exactly-once-check.js';
import { TestStack } from './support/stack.js';

const readCounter = path.join(import.meta.dirname, 'fixtures', 'read-counter.yaml');

async function startStack(context: TestContext, throughProxy = false): Promise<TestStack> {
  return TestStack.start({ profile: readCounter, pollInterval: '100ms', throughProxy, uplink: { ackTimeout: '5s' } }, context);
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
