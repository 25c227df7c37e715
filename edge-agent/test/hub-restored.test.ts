/**
 * A hub restored from a backup holds less than its agents were told it had stored, and they have
 * deleted those records. The agent must say so (uplink.hub_behind, with both watermarks) and go
 * on: everything it appends afterwards reaches the hub once, in order. Over gRPC the first ack
 * tells the agent; over NATS the hub holds back the agent's next batches, then asks for a resend
 * from its own watermark.
 */
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { sleep } from '@davy/runtime';
import { TestNats } from '@davy/runtime/testing';
import { settle } from './support/exactly-once-check.js';
import { TestStack } from './support/stack.js';

const readCounter = path.join(import.meta.dirname, 'fixtures', 'read-counter.yaml');

async function restoreHubFromBackup(stack: TestStack): Promise<void> {
  const data = path.join(stack.dir, 'hub');
  const backup = path.join(stack.dir, 'hub-backup');
  await sleep(2_000);
  await stack.hub!.stop();
  cpSync(data, backup, { recursive: true });
  await stack.startHub();
  // The agent sends on; the hub acks, and the agent deletes what it acked.
  await sleep(3_000);
  await stack.hub!.stop();
  rmSync(data, { recursive: true });
  cpSync(backup, data, { recursive: true });
  await stack.startHub();
}

async function expectGoesOn(stack: TestStack, waitMs: number): Promise<void> {
  const behind = await stack.agent!.waitForEvent('uplink.hub_behind', waitMs);
  const lost = (behind.ackedBefore as number) - (behind.hubWatermark as number);
  expect(lost).toBeGreaterThan(0);
  await sleep(2_000);
  const { values, answered } = await settle(stack, 60_000);
  expect(values[0]).toBe(1);
  expect(values.at(-1)!).toBeGreaterThanOrEqual(answered - 1);
  for (let i = 1; i < values.length; i += 1) expect(values[i]!, `values out of order at ${i}`).toBeGreaterThan(values[i - 1]!);
  // The hole is what the restored hub lost (its records are values and a few events), nothing more.
  const holes = values.at(-1)! - values.length;
  expect(holes).toBeGreaterThan(0);
  expect(holes).toBeLessThanOrEqual(lost);
}

describe('a hub restored from a backup', () => {
  it.concurrent('over gRPC: the agent says what the hub lost, to the hub too, and everything after it arrives once', async (context: TestContext) => {
    const stack = await TestStack.start({ profile: readCounter, pollInterval: '100ms', uplink: { ackTimeout: '5s' } }, context);
    await restoreHubFromBackup(stack);
    await expectGoesOn(stack, 15_000);
    const behind = stack.agent!.events().find((event) => event.event === 'uplink.hub_behind')!;
    const { items } = await stack.api<{ items: Array<{ body: Record<string, unknown> }> }>('/events?type=uplink.hub_behind');
    expect(items.map((event) => event.body)).toEqual([{ hubWatermark: behind.hubWatermark, ackedBefore: behind.ackedBefore, lostSeqs: behind.lostSeqs }]);
  }, 90_000);

  it.concurrent('over NATS: the hub asks for a resend from its watermark, and everything after it arrives once', async (context: TestContext) => {
    const nats = await TestNats.start();
    context.onTestFinished(() => nats.close());
    const stack = await TestStack.start({ profile: readCounter, pollInterval: '100ms', uplink: { ackTimeout: '5s' }, nats: nats.url }, context);
    await restoreHubFromBackup(stack);
    // Twice the ack wait of held-back batches before the hub asks (20 s).
    await expectGoesOn(stack, 40_000);
  }, 120_000);
});
