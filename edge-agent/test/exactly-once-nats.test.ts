/**
 * The guarantee over NATS JetStream: nothing lost, nothing doubled. As in exactly-once.test.ts,
 * a simulated register counts its own reads and the agent polls it at 10 Hz, but batches go
 * through a nats-server of the test's own: the agent publishes into the telemetry stream, the
 * hub consumes it and writes the watermark back to the bucket the agent reads its acks from.
 * What breaks is the hub, the agent, or the NATS server itself (each SIGKILLed mid-stream).
 */
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { sleep } from '@davy/runtime';
import { decodeWatermarkEntry, encodeWatermarkEntry, watermarkBucket } from '@davy/proto';
import { TestNats, TestPostgres } from '@davy/runtime/testing';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { expectExactlyOnce, settle } from './support/exactly-once-check.js';
import { TestStack } from './support/stack.js';

const readCounter = path.join(import.meta.dirname, 'fixtures', 'read-counter.yaml');

async function startStack(context: TestContext, natsOptions: { maxPayload?: number } = {}): Promise<{ stack: TestStack; nats: TestNats }> {
  const nats = await TestNats.start(natsOptions);
  context.onTestFinished(() => nats.close());
  const stack = await TestStack.start({ profile: readCounter, pollInterval: '100ms', uplink: { ackTimeout: '5s' }, nats: nats.url }, context);
  return { stack, nats };
}

// One test at a time: each runs five to seven processes (and the replicas test PostgreSQL too).
describe('exactly once over NATS JetStream, with real processes', () => {
  it('the hub is SIGKILLed and restarted 5 s later: the stream keeps what the agent sent meanwhile', async (context) => {
    const { stack } = await startStack(context);
    await sleep(2_000);
    stack.hub!.kill('SIGKILL');
    await stack.hub!.exited;
    await sleep(5_000);
    await stack.startHub();
    await sleep(2_000);
    const result = await settle(stack);
    expectExactlyOnce(result, 0);
    expect(result.values.length).toBeGreaterThan(70);
    // The agent never lost its link: the stream took its batches while no hub ran.
    expect(stack.agent!.events().filter((event) => event.event === 'uplink.publish_failed')).toEqual([]);
  }, 90_000);

  it('the agent is SIGKILLed mid-stream and restarted: it sends again from the watermark', async (context) => {
    const { stack } = await startStack(context);
    await sleep(3_000);
    stack.agent!.kill('SIGKILL');
    await stack.agent!.exited;
    await sleep(1_000);
    await stack.startAgent();
    await stack.agent!.waitForEvent('uplink.connected', 20_000, (event) => (event.watermark as number) > 0);
    await sleep(2_000);
    // The one read in flight when the agent died may be missing; nothing else.
    expectExactlyOnce(await settle(stack), 1);
  }, 90_000);

  it('the NATS server is SIGKILLed mid-stream and restarted 5 s later: both sides carry on by themselves, the backlog split to fit its max_payload', async (context) => {
    // 768 bytes: the 5 s backlog (about 50 samples) does not fit in one message.
    const { stack, nats } = await startStack(context, { maxPayload: 768 });
    await sleep(2_000);
    await nats.kill();
    await sleep(5_000);
    await nats.run();
    await sleep(4_000);
    const result = await settle(stack);
    expectExactlyOnce(result, 0);
    expect(result.values.length).toBeGreaterThan(70);
    expect(stack.hub!.running).toBe(true);
    expect(stack.agent!.events().filter((event) => event.event === 'uplink.publish_failed').length).toBeGreaterThan(0);
    expect(stack.agent!.events().find((event) => event.event === 'uplink.batch_split')).toMatchObject({ maxPayload: 768 });
  }, 90_000);

  it('a hub asks for everything again from its watermark: the agent sends it all again from there, and the hub stores it once', async (context) => {
    const { stack, nats } = await startStack(context);
    await sleep(2_000);
    // No hub writes the bucket meanwhile (one that waited in vain would write nothing else for this outbox).
    stack.hub!.kill('SIGKILL');
    await stack.hub!.exited;
    // As a hub that waited in vain for a batch would: the outbox's entry in the bucket gets resendFrom.
    const client = await connect({ servers: nats.url });
    context.onTestFinished(() => client.close());
    const kv = await new Kvm(client).open(watermarkBucket);
    const keys: string[] = [];
    for await (const name of await kv.keys()) keys.push(name);
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    const { watermark } = decodeWatermarkEntry((await kv.get(key))!.string())!;
    await kv.put(key, encodeWatermarkEntry({ watermark, resendFrom: watermark }));
    expect(await stack.agent!.waitForEvent('uplink.resend_asked', 10_000)).toMatchObject({ resendFrom: watermark });
    await stack.startHub();
    await sleep(2_000);
    expectExactlyOnce(await settle(stack), 0);
  }, 90_000);

  it('two hub replicas share one stream and one PostgreSQL; one is SIGKILLed mid-ingest and the other takes over its batches', async (context) => {
    const [nats, postgres] = await Promise.all([TestNats.start(), TestPostgres.start()]);
    context.onTestFinished(() => Promise.all([nats.close(), postgres.close()]).then(() => undefined));
    // Small batches, so both replicas get many of them.
    const stack = await TestStack.start({ profile: readCounter, pollInterval: '50ms', uplink: { ackTimeout: '5s', batchMaxAge: '50ms' }, nats: nats.url, store: postgres.url() }, context);
    const replica = await stack.startReplica();
    const tookBatches = (hub: typeof replica) => hub.events().some((event) => event.event === 'nats.ingest_stats' && (event.batches as number) > 0);
    await stack.hub!.waitForEvent('nats.ingest_stats', 15_000, (event) => (event.batches as number) > 0);
    await replica.waitForEvent('nats.ingest_stats', 15_000, (event) => (event.batches as number) > 0);
    expect([tookBatches(stack.hub!), tookBatches(replica)]).toEqual([true, true]);
    // Frozen first, so that it surely holds batches delivered to it and never acked — as a replica
    // killed mid-commit does — then killed.
    process.kill(replica.pid, 'SIGSTOP');
    await sleep(2_000);
    replica.kill('SIGKILL');
    await replica.exited;
    // The survivor holds back the batches that follow the lost ones until JetStream delivers those
    // again, after the 10 s ack wait; then it stores them all, in order.
    await stack.hub!.waitForEvent('nats.ingest_stats', 20_000, (event) => (event.heldBack as number) > 0);
    const result = await settle(stack, 60_000);
    expectExactlyOnce(result, 0);
    expect(stack.hub!.running).toBe(true);
  }, 120_000);
});
