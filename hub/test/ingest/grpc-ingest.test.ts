/**
 * gRPC ingest as an agent meets it: pipelined batches acked in order with the watermark, and
 * the ways a stream is refused — a second gateway on one stream, a bad gateway id, a second
 * agent on a gateway id in use — and a gateway that tries to write another's series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { UplinkServiceClient, type Ack, type Batch } from '@davy/proto';
import { createLogger } from '@davy/runtime';
import { tempDir } from '@davy/runtime/testing';
import { startHub, type RunningHub } from '../../src/hub.js';

let hub: RunningHub;
const { dir, remove } = tempDir('davy-grpc-');
const token = 'davy_grpc_test_token';

beforeAll(async () => {
  hub = await startHub({
    dataDir: dir,
    http: { host: '127.0.0.1', port: 0 },
    grpc: { host: '127.0.0.1', port: 0 },
    envToken: token,
    log: createLogger({ component: 'test', sink: { write: () => true } }),
  });
});
afterAll(async () => {
  await hub.close();
  remove();
});

function batch(gatewayId: string, outboxId: string, seqs: number[], extra: Partial<Batch> = {}): Batch {
  return {
    gatewayId,
    outboxId,
    sentAtMs: Date.now(),
    enterpriseCode: '91350100M000100Y43',
    site: 'Test mine',
    previousSeq: 0,
    series: [{ localId: 1, key: `${gatewayId}/dev/p`, device: 'dev', point: 'p', metric: 'voltage', unit: 'V', intervalMs: 1000 }],
    samples: { seq: seqs, series: seqs.map(() => 1), timeMs: seqs.map((seq) => seq * 1000), value: seqs.map((seq) => seq / 2), quality: seqs.map(() => 1) },
    events: [],
    gaps: [],
    ...extra,
  };
}

/** Writes the batches on one stream and collects acks until the hub ends or fails it. */
function exchange(batches: Batch[], endAfter = true): Promise<{ acks: Ack[]; error?: ServiceError }> {
  const client = new UplinkServiceClient(`127.0.0.1:${hub.grpcPort}`, credentials.createInsecure());
  const call = client.stream();
  const acks: Ack[] = [];
  return new Promise((resolve) => {
    call.on('data', (ack: Ack) => {
      acks.push(ack);
      if (endAfter && acks.length === batches.length) call.end();
    });
    call.on('error', (error: ServiceError) => {
      client.close();
      resolve({ acks, error });
    });
    call.on('end', () => {
      client.close();
      resolve({ acks });
    });
    for (const item of batches) call.write(item);
  });
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${hub.httpPort}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  return (await response.json()) as T;
}

describe('gRPC ingest', () => {
  it('acks pipelined batches in order, each with the watermark after it', async () => {
    const { acks, error } = await exchange([batch('gw-a', 'ob-a', [1, 2, 3]), batch('gw-a', 'ob-a', [4, 5], { series: [] }), batch('gw-a', 'ob-a', [4, 5, 6], { series: [] })]);
    expect(error).toBeUndefined();
    expect(acks.map((ack) => [ack.watermark, ack.stored])).toEqual([[3, 3], [5, 2], [6, 1]]);
  });

  it('ends a stream that carries a second gateway', async () => {
    const { acks, error } = await exchange([batch('gw-b', 'ob-b', [1]), batch('gw-c', 'ob-c', [1])], false);
    expect(acks.map((ack) => ack.watermark)).toEqual([1]);
    expect(error?.code).toBe(3); // INVALID_ARGUMENT
    expect(error?.details).toBe('this stream belongs to gateway gw-b; a batch for gw-c needs its own stream');
  });

  it('refuses a malformed gateway id', async () => {
    const { error } = await exchange([batch('gw b/1', 'ob', [1])], false);
    expect(error?.code).toBe(3);
    expect(error?.details).toBe('gateway id "gw b/1" is not 1-64 letters, digits, "_", "." or "-"');
  });

  it('refuses a second agent on a gateway id that is in use', async () => {
    await exchange([batch('gw-d', 'ob-first', [1, 2])]);
    const { acks, error } = await exchange([batch('gw-d', 'ob-second', [1]), batch('gw-d', 'ob-second', [2], { series: [] })], false);
    expect(acks).toEqual([]);
    expect(error?.code).toBe(9); // FAILED_PRECONDITION
    expect(error?.details).toMatch(/^gateway id gw-d is in use by another agent \(outbox ob-first, last seen \d+ s ago\): give this gateway its own id in agent\.yaml/);
    const { items } = await api<{ items: Array<{ id: string; watermark: number }> }>('/gateways');
    expect(items.find((gateway) => gateway.id === 'gw-d')?.watermark).toBe(2);
  });

  it('does not let a gateway define another gateway\'s series', async () => {
    await exchange([batch('gw-f', 'ob-f', [1, 2])]);
    const forged = batch('gw-e', 'ob-e', [1], { series: [{ localId: 1, key: 'gw-f/dev/p', device: 'dev', point: 'p', metric: 'voltage', unit: 'V', intervalMs: 1000 }] });
    const { acks } = await exchange([forged]);
    expect(acks.map((ack) => [ack.watermark, ack.stored])).toEqual([[1, 0]]);
    const { items } = await api<{ items: Array<{ type: string; gateway: string; body: { reasons: string[] } }> }>('/events?type=ingest.rejected&gateway=gw-e');
    expect(items[0]?.body.reasons).toEqual(['record 1: sample of series 1, refused: its series key "gw-f/dev/p" is not "gw-e/dev/p" (<gateway>/<device>/<point>)']);
    const history = await api<{ points: Array<{ value: number }> }>(`/series/history?key=${encodeURIComponent('gw-f/dev/p')}&from=0&to=100000`);
    expect(history.points.map((point) => point.value)).toEqual([0.5, 1]);
  });
});
