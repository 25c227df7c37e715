/**
 * The commit queue's ordering promise: a stream's batches commit in order, and once one fails
 * or is refused, those queued behind it are never committed. A real store underneath, made to
 * fail on one chosen batch.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@davy/runtime/testing';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { IngestBatch, IngestResult, Store } from '../store/store.js';
import { CommitQueue } from './commit-queue.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function batch(gatewayId: string, seq: number): IngestBatch {
  return {
    gatewayId,
    outboxId: `${gatewayId}-outbox`,
    enterpriseCode: '',
    site: '',
    sentAtMs: 0,
    receivedAtMs: 0,
    previousSeq: 0,
    series: [{ localId: 1, key: `${gatewayId}/dev/p`, device: 'dev', point: 'p', metric: 'voltage', unit: 'V', intervalMs: 1000 }],
    samples: { seq: [seq], series: [1], timeMs: [seq], value: [seq], quality: [1] },
    events: [],
    gaps: [],
    malformed: [],
    refusedSeries: [],
  };
}

/** A real store whose commit fails whenever a group holds the batch `failOn` picks. */
function storeFailingOn(failOn: (batch: IngestBatch) => boolean): { store: Store; real: SqliteStore } {
  const { dir, remove } = tempDir();
  const real = SqliteStore.open(path.join(dir, 'hub.db'));
  cleanups.push(remove, () => real.close());
  const store = Object.create(real) as Store;
  store.ingest = async (batches) => {
    if (batches.some(failOn)) throw new Error('disk I/O error');
    return real.ingest(batches);
  };
  return { store, real };
}

const settle = (promise: Promise<IngestResult>) => promise.then((result) => `watermark ${result.watermark}`, (error: Error) => `failed: ${error.message}`);

describe('CommitQueue', () => {
  it('commits batches that arrive together in one group, in order', async () => {
    const { store, real } = storeFailingOn(() => false);
    const queue = new CommitQueue(store);
    const source = {};
    const results = await Promise.all([1, 2, 3].map((seq) => settle(queue.submit(batch('gw-1', seq), source))));
    expect(results).toEqual(['watermark 1', 'watermark 2', 'watermark 3']);
    expect((await real.gateways())[0]!.watermark).toBe(3);
  });

  it('fails the batches queued behind a failed one of the same stream, and only those', async () => {
    const { store, real } = storeFailingOn((b) => b.gatewayId === 'gw-1' && b.samples.seq[0] === 1);
    // A tiny group size: each batch commits on its own, so 2 and 3 wait while 1 fails.
    const queue = new CommitQueue(store, 1);
    const stream = {};
    const other = {};
    const results = await Promise.all([
      settle(queue.submit(batch('gw-1', 1), stream)),
      settle(queue.submit(batch('gw-2', 1), other)),
      settle(queue.submit(batch('gw-1', 2), stream)),
      settle(queue.submit(batch('gw-1', 3), stream)),
    ]);
    expect(results).toEqual(['failed: disk I/O error', 'watermark 1', 'failed: disk I/O error', 'failed: disk I/O error']);
    // Nothing of gw-1 was stored: its watermark did not pass the failed batch.
    expect((await real.gateways()).map((g) => [g.id, g.watermark])).toEqual([['gw-2', 1]]);
  });

  it('fails the batches queued behind a refused one, even one the store would take', async () => {
    const { store, real } = storeFailingOn(() => false);
    const queue = new CommitQueue(store, 1);
    await queue.submit(batch('gw-1', 1), {});
    // Another agent with the same gateway id, a moment later: refused. What its stream queued
    // behind must not be stored, whatever it is (here a batch the store alone would accept).
    const intruder = {};
    const refused = { ...batch('gw-1', 1), outboxId: 'another-outbox', receivedAtMs: 1 };
    const results = await Promise.all([settle(queue.submit(refused, intruder)), settle(queue.submit(batch('gw-1', 2), intruder))]);
    expect(results[0]).toBe('watermark 0');
    expect(results[1]).toMatch(/^failed: gateway id gw-1 is in use by another agent/);
    expect((await real.gateways())[0]).toMatchObject({ id: 'gw-1', watermark: 1 });
  });
});
