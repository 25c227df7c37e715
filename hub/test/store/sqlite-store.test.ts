/**
 * The SQLite store: the contract every store keeps (store-contract.ts), and what is SQLite's
 * own — samples read the same whether still staged or settled into the clustered table, and
 * ingest carries on while settling fails.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { tempDir } from '@davy/runtime/testing';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { batch, expectArrivals, expectMinuteBuckets, rawPages, seedArrivals, seedMinutes, storeContract, values } from './store-contract.js';

function tableCounts(file: string): { settled: number; staged: number } {
  const db = new Database(file, { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { settled: count('samples'), staged: count('samples_staged') };
  } finally {
    db.close();
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const logLines: string[] = [];
const log = createLogger({ component: 'test', sink: { write: (line) => logLines.push(line) } });

function openStore(settleAt = 1_000_000): { store: SqliteStore; file: string } {
  const { dir, remove } = tempDir();
  const file = path.join(dir, 'hub.db');
  const store = SqliteStore.open(file, { settleAt, settleRetryMs: 0, log });
  cleanups.push(remove, () => store.close());
  return { store, file };
}

storeContract('SQLite', async () => openStore().store);

describe('staged and settled samples', () => {
  // settleAt 4: the first batch (5 samples) settles into the clustered table, the second stays staged.
  async function mixed() {
    const { store, file } = openStore(4);
    const seriesId = await seedMinutes(store);
    expect(tableCounts(file)).toEqual({ settled: 5, staged: 3 });
    return { store, file, seriesId };
  }

  it('aggregates every bucket exactly over staged and settled samples', async () => {
    const { store, seriesId } = await mixed();
    // Bucket 0: 10, 20 (settled), 5 (staged). Bucket 60 000: 30, 40 (settled), 60, 2 (staged).
    await expectMinuteBuckets(store, seriesId);
  });

  it('pages raw points across both, in time order, none twice', async () => {
    const { store, seriesId } = await mixed();
    const pages = await rawPages(store, seriesId, 3);
    expect(pages.map((page) => page.map((p) => p.timeMs))).toEqual([[0, 30_000, 45_000], [60_000, 90_000, 95_000], [100_000, 120_000]]);
  });

  it('counts arrivals exactly over staged and settled samples', async () => {
    // settleAt 6: the first batch (6 samples, arrived at 500 000) settles, the second (4, at 900 000) stays staged.
    const { store, file } = openStore(6);
    const seriesId = await seedArrivals(store);
    expect(tableCounts(file)).toEqual({ settled: 6, staged: 4 });
    await expectArrivals(store, seriesId);
  });

  it('after a crash, settles what was staged when it opens again', async () => {
    const { file, seriesId } = await mixed();
    // The first store never settles or closes, as if killed; a new one opens the same file.
    const reopened = SqliteStore.open(file, { settleAt: 4 });
    expect(tableCounts(file)).toEqual({ settled: 8, staged: 0 });
    cleanups.push(() => reopened.close());
    const points = await reopened.rawPoints({ seriesId, fromMs: 0, toMs: 1e15, limit: 100 });
    expect(points.map((p) => [p.timeMs, p.value, p.quality])).toEqual([
      [0, 10, 'good'],
      [30_000, 20, 'good'],
      [45_000, 5, 'good'],
      [60_000, 30, 'good'],
      [90_000, 40, 'good'],
      [95_000, 60, 'good'],
      [100_000, 2, 'uncertain'],
      [120_000, null, 'bad'],
    ]);
  });

  it('keeps ingesting when a settle fails, refuses batches only when the backlog grows too far, and recovers', async () => {
    const { store, file } = openStore(4);
    // The disk goes bad for the clustered table only: a trigger makes every insert into it fail.
    const other = new Database(file);
    other.exec("CREATE TRIGGER disk_trouble BEFORE INSERT ON samples BEGIN SELECT RAISE(ABORT, 'disk trouble'); END");
    const results = await store.ingest([batch([[1, 1, 0, 1], [2, 1, 1, 2], [3, 1, 2, 3], [4, 1, 3, 4], [5, 1, 4, 5]])]);
    expect(results[0]).toMatchObject({ stored: 5, watermark: 5 });
    expect(logLines.some((line) => line.includes('"event":"store.settle_failed"') && line.includes('disk trouble'))).toBe(true);
    expect((await values(store, 'a')).length).toBe(5);
    // Up to five times the settle size the batches still come in, staged.
    for (let seq = 6; seq <= 20; seq += 1) await store.ingest([batch([[seq, 1, seq, seq]], { series: [] })]);
    await expect(store.ingest([batch([[21, 1, 21, 21]], { series: [] })])).rejects.toThrow(
      'the store cannot settle its 20 staged samples (disk trouble); new batches wait until it can',
    );
    other.exec('DROP TRIGGER disk_trouble');
    other.close();
    expect(await store.ingest([batch([[21, 1, 21, 21]], { series: [] })])).toMatchObject([{ stored: 1, watermark: 21 }]);
    expect(tableCounts(file)).toEqual({ settled: 20, staged: 1 });
    expect((await values(store, 'a')).map(([time]) => time)).toEqual([0, 1, 2, 3, 4, ...Array.from({ length: 16 }, (_, i) => i + 6)]);
  });
});
