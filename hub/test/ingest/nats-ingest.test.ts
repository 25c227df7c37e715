/**
 * NATS ingest as the stream hands it batches: a stored batch is acked and its watermark written
 * to the bucket; a message that is no batch, or a batch on another gateway's subject, is refused
 * for good and logged, and the hub goes on; a batch that comes before the records it follows is
 * held back until they are in, and when they never come its agent is asked to resend.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Batch, decodeWatermarkEntry, telemetrySubject, watermarkBucket, watermarkKey, type WatermarkEntry } from '@davy/proto';
import { createLogger } from '@davy/runtime';
import { tempDir, TestNats, waitFor, type LogEvent } from '@davy/runtime/testing';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CommitQueue } from '../../src/ingest/commit-queue.js';
import { startNatsIngest, type NatsIngest } from '../../src/ingest/nats/nats-ingest.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const { dir, remove } = tempDir('davy-nats-ingest-');
const logged: LogEvent[] = [];
let nats: TestNats;
let store: SqliteStore;
let ingest: NatsIngest;
let client: NatsConnection;
let js: JetStreamClient;
let kv: KV;

beforeAll(async () => {
  nats = await TestNats.start();
  store = SqliteStore.open(path.join(dir, 'hub.db'));
  const log = createLogger({ component: 'test', sink: { write: (line: string) => logged.push(JSON.parse(line) as LogEvent) } });
  ingest = startNatsIngest({ servers: [nats.url], queue: new CommitQueue(store), log, resendAfterMs: 1_000 });
  await waitFor(() => logged.some((event) => event.event === 'nats.consuming'), { what: 'the hub consuming', timeoutMs: 15_000 });
  client = await connect({ servers: nats.url });
  js = jetstream(client);
  kv = await new Kvm(client).open(watermarkBucket);
}, 30_000);

afterAll(async () => {
  await ingest?.close();
  await client?.close();
  await store?.close();
  await nats?.close();
  remove();
});

function batch(gatewayId: string, previousSeq: number, seqs: number[]): Batch {
  return {
    gatewayId,
    outboxId: `${gatewayId}-outbox`,
    sentAtMs: Date.now(),
    enterpriseCode: '91350100M000100Y43',
    site: 'Test mine',
    series: [{ localId: 1, key: `${gatewayId}/dev/p`, device: 'dev', point: 'p', metric: 'voltage', unit: 'V', intervalMs: 1000 }],
    samples: { seq: seqs, series: seqs.map(() => 1), timeMs: seqs.map((seq) => seq * 1000), value: seqs.map((seq) => seq / 2), quality: seqs.map(() => 1) },
    events: [],
    gaps: [],
    previousSeq,
  };
}

const publish = (subject: string, data: Uint8Array) => js.publish(subject, data);
const publishBatch = (value: Batch) => publish(telemetrySubject(value.gatewayId), Batch.encode(value).finish());

async function entryOf(gatewayId: string): Promise<WatermarkEntry | undefined> {
  const entry = await kv.get(watermarkKey(gatewayId, `${gatewayId}-outbox`));
  return entry ? decodeWatermarkEntry(entry.string()) : undefined;
}

async function storedValues(gatewayId: string): Promise<number[]> {
  const series = await store.seriesByKey(`${gatewayId}/dev/p`);
  if (!series) return [];
  return (await store.rawPoints({ seriesId: series.id, fromMs: 0, toMs: 1e15, limit: 1000 })).map((point) => point.value!);
}

/** What is left in the stream: nothing, once every message is acked or refused. */
async function streamMessages(): Promise<number> {
  return (await (await jetstreamManager(client)).streams.info('DAVY_TELEMETRY')).state.messages;
}

describe('NATS ingest', () => {
  it('stores a batch, acks it, and writes the watermark for its agent', async () => {
    await publishBatch(batch('gw-a', 0, [1, 2, 3]));
    await waitFor(async () => (await entryOf('gw-a'))?.watermark === 3, { what: 'the watermark of gw-a', timeoutMs: 10_000 });
    expect(await storedValues('gw-a')).toEqual([0.5, 1, 1.5]);
    await waitFor(async () => (await streamMessages()) === 0, { what: 'the stream empty', timeoutMs: 10_000 });
  });

  it('refuses a message that is no batch, and one on another gateway\'s subject, and goes on', async () => {
    await publish(telemetrySubject('gw-b'), new Uint8Array([0xff, 0xff, 0xff, 0x01]));
    await publish(telemetrySubject('gw-c'), Batch.encode(batch('gw-b', 0, [1])).finish());
    await publishBatch(batch('gw-b', 0, [1, 2]));
    await waitFor(async () => (await entryOf('gw-b'))?.watermark === 2, { what: 'the watermark of gw-b', timeoutMs: 10_000 });
    const refused = logged.filter((event) => event.event === 'nats.batch_refused').map((event) => [event.subject, event.reason]);
    expect(refused).toEqual([
      ['davy.telemetry.gw-b', expect.stringMatching(/^the message is not a Batch: /)],
      ['davy.telemetry.gw-c', 'a batch of gateway gw-b belongs on davy.telemetry.gw-b'],
    ]);
    expect(await storedValues('gw-b')).toEqual([0.5, 1]);
    await waitFor(async () => (await streamMessages()) === 0, { what: 'the stream empty', timeoutMs: 10_000 });
  });

  it('holds back a batch that comes before the one it follows, and stores both in order once that one is in', async () => {
    await publishBatch(batch('gw-d', 2, [3, 4]));
    await waitFor(() => logged.some((event) => event.event === 'nats.ingest_stats' && (event.heldBack as number) > 0), { what: 'a held-back batch', timeoutMs: 10_000 });
    expect(await storedValues('gw-d')).toEqual([]);
    await publishBatch(batch('gw-d', 0, [1, 2]));
    await waitFor(async () => (await entryOf('gw-d'))?.watermark === 4, { what: 'the watermark of gw-d', timeoutMs: 10_000 });
    expect(await storedValues('gw-d')).toEqual([0.5, 1, 1.5, 2]);
  });

  it('asks the agent to resend from the watermark when what a batch follows never comes', async () => {
    await publishBatch(batch('gw-e', 0, [1]));
    await waitFor(async () => (await entryOf('gw-e'))?.watermark === 1, { what: 'the watermark of gw-e', timeoutMs: 10_000 });
    // Records 2-5 were lost before the stream: the batch after them waits in vain.
    await publishBatch(batch('gw-e', 5, [6]));
    await waitFor(async () => (await entryOf('gw-e'))?.resendFrom === 1, { what: 'a resend request for gw-e', timeoutMs: 10_000 });
    expect(await entryOf('gw-e')).toEqual({ watermark: 1, resendFrom: 1 });
    expect(logged.find((event) => event.event === 'ingest.resend_asked' && event.gateway === 'gw-e')).toMatchObject({ outbox: 'gw-e-outbox', resendFrom: 1 });
    // The agent resends from there: stored, and the held-back batch is then a duplicate.
    await publishBatch(batch('gw-e', 1, [2, 3, 4, 5, 6]));
    await waitFor(async () => (await entryOf('gw-e'))?.watermark === 6, { what: 'the watermark of gw-e after the resend', timeoutMs: 10_000 });
    expect(await storedValues('gw-e')).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    await waitFor(async () => (await streamMessages()) === 0, { what: 'the stream empty', timeoutMs: 10_000 });
  });

  it('holds back at most 64 batches of an outbox; beyond, it drops them from the stream and asks the agent for them again', async () => {
    // Batch n carries record n + 1 after record n; record 1 comes last.
    for (let n = 1; n <= 70; n += 1) await publishBatch(batch('gw-f', n, [n + 1]));
    await waitFor(() => logged.some((event) => event.event === 'nats.ingest_stats' && (event.dropped as number) > 0), { what: 'dropped batches', timeoutMs: 10_000 });
    await publishBatch(batch('gw-f', 0, [1]));
    await waitFor(async () => (await entryOf('gw-f'))?.watermark === 65, { what: 'records 1-65 stored', timeoutMs: 15_000 });
    // Records 66-71 were dropped: the agent's next batch waits for them, and the hub asks for everything after 65.
    await publishBatch(batch('gw-f', 71, [72]));
    await waitFor(async () => (await entryOf('gw-f'))?.resendFrom === 65, { what: 'a resend request for gw-f', timeoutMs: 15_000 });
    expect(await storedValues('gw-f')).toEqual(Array.from({ length: 65 }, (_, i) => (i + 1) / 2));
    const dropped = logged.filter((event) => event.event === 'nats.ingest_stats').reduce((sum, event) => sum + (event.dropped as number), 0);
    expect(dropped).toBeGreaterThanOrEqual(6);
    // The agent sends them again: all of it stored, the held-back batch a duplicate, the stream empty.
    await publishBatch(batch('gw-f', 65, [66, 67, 68, 69, 70, 71, 72]));
    await waitFor(async () => (await entryOf('gw-f'))?.watermark === 72, { what: 'the watermark of gw-f after the resend', timeoutMs: 10_000 });
    expect(await storedValues('gw-f')).toEqual(Array.from({ length: 72 }, (_, i) => (i + 1) / 2));
    await waitFor(async () => (await streamMessages()) === 0, { what: 'the stream empty', timeoutMs: 10_000 });
  });

  it('sets the stream up again when it is gone, and goes on consuming', async () => {
    const consuming = () => logged.filter((event) => event.event === 'nats.consuming').length;
    const before = consuming();
    await (await jetstreamManager(client)).streams.delete('DAVY_TELEMETRY');
    await waitFor(() => consuming() > before, { what: 'the hub consuming again', timeoutMs: 20_000 });
    expect(logged.find((event) => event.event === 'nats.setup_failed')).toMatchObject({ level: 'warn', error: 'consumer deleted' });
    await publishBatch(batch('gw-g', 0, [1, 2]));
    await waitFor(async () => (await entryOf('gw-g'))?.watermark === 2, { what: 'the watermark of gw-g', timeoutMs: 10_000 });
  });
});
