/**
 * The SQLite store's write path: the watermark makes resends harmless, malformed records are
 * counted and passed, a new outbox restarts the watermark, and samples read the same whether
 * they are still staged or settled into the clustered table.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { tempDir } from '@davy/runtime/testing';
import type { IngestBatch } from '../../src/store/store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

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

const definition = (localId: number, point: string) => ({ localId, key: `gw-1/dev/${point}`, device: 'dev', point, metric: 'voltage', unit: 'V', intervalMs: 1000 });

/** A batch of samples (seq, series, time, value), quality good unless given. */
function batch(samples: Array<[number, number, number, number, number?]>, extra: Partial<IngestBatch> = {}): IngestBatch {
  return {
    gatewayId: 'gw-1',
    outboxId: 'outbox-a',
    enterpriseCode: '91350100M000100Y43',
    site: 'Test mine',
    sentAtMs: 1_000,
    receivedAtMs: 1_000,
    series: [definition(1, 'a'), definition(2, 'b')],
    samples: {
      seq: samples.map((s) => s[0]),
      series: samples.map((s) => s[1]),
      timeMs: samples.map((s) => s[2]),
      value: samples.map((s) => s[3]),
      quality: samples.map((s) => s[4] ?? 1),
    },
    events: [],
    gaps: [],
    malformed: [],
    refusedSeries: [],
    ...extra,
  };
}

async function values(store: SqliteStore, point: string): Promise<Array<[number, number | null]>> {
  const series = (await store.seriesByKey(`gw-1/dev/${point}`))!;
  const points = await store.rawPoints({ seriesId: series.id, fromMs: 0, toMs: 1e15, limit: 10_000 });
  return points.map((p) => [p.timeMs, p.value]);
}

describe('SqliteStore ingest', () => {
  it('skips records at or under the watermark, so a resent batch stores nothing twice', async () => {
    const { store } = openStore();
    const first = batch([[1, 1, 100, 1.5], [2, 1, 200, 2.5], [3, 2, 100, 7]]);
    expect(await store.ingest([first])).toEqual([{ watermark: 3, stored: 3, duplicates: 0, rejected: 0, rejections: [] }]);
    // The ack was lost: the same records come again, with two new ones after them.
    const resent = batch([[2, 1, 200, 2.5], [3, 2, 100, 7], [4, 1, 300, 3.5], [5, 2, 200, 8]]);
    expect(await store.ingest([resent])).toEqual([{ watermark: 5, stored: 2, duplicates: 2, rejected: 0, rejections: [] }]);
    expect(await values(store, 'a')).toEqual([[100, 1.5], [200, 2.5], [300, 3.5]]);
    expect(await values(store, 'b')).toEqual([[100, 7], [200, 8]]);
    expect((await store.gateways())[0]!.watermark).toBe(5);
  });

  it('commits several batches of one gateway in one group, in order', async () => {
    const { store } = openStore();
    const results = await store.ingest([batch([[1, 1, 100, 1]]), batch([[2, 1, 200, 2]], { series: [] }), batch([[2, 1, 200, 2], [3, 1, 300, 3]], { series: [] })]);
    expect(results.map((r) => [r.watermark, r.stored, r.duplicates])).toEqual([[1, 1, 0], [2, 1, 0], [3, 1, 1]]);
    expect(await values(store, 'a')).toEqual([[100, 1], [200, 2], [300, 3]]);
  });

  it('counts malformed records, stores the rest, and moves the watermark past them', async () => {
    const { store } = openStore();
    const [result] = await store.ingest([
      batch([[1, 1, 100, 1], [2, 9, 100, 5], [3, 1, 200, Number.NaN], [4, 1, 300, 3, 7], [5, 1, 400, Number.NaN, 3]], { malformed: [{ seq: 6, reason: 'sample columns differ in length' }] }),
    ]);
    expect(result).toEqual({
      watermark: 6,
      stored: 2,
      duplicates: 0,
      rejected: 4,
      rejections: [
        'record 6: sample columns differ in length',
        'record 2: sample of series 9 which the gateway never defined',
        'record 3: value NaN is not a finite number',
        'record 4: quality 7 is not good (1), uncertain (2) or bad (3)',
      ],
    });
    // A bad-quality sample is stored without a value: a failed read, never a number.
    expect(await values(store, 'a')).toEqual([[100, 1], [400, null]]);
    const [event] = await store.events({ type: 'ingest.rejected', limit: 10 });
    expect(event!.body).toEqual({ rejected: 4, reasons: result!.rejections });
  });

  it('refuses a second outbox while the first is alive: two agents sharing one gateway id', async () => {
    const { store } = openStore();
    await store.ingest([batch([[1, 1, 100, 1], [2, 1, 200, 2]], { receivedAtMs: 10_000 })]);
    const [result] = await store.ingest([batch([[1, 1, 300, 3]], { outboxId: 'outbox-b', receivedAtMs: 69_999 })]);
    expect(result).toEqual({
      watermark: 0,
      stored: 0,
      duplicates: 0,
      rejected: 0,
      rejections: [],
      refused:
        'gateway id gw-1 is in use by another agent (outbox outbox-a, last seen 60 s ago): give this gateway its own id in agent.yaml; ' +
        'a reinstalled gateway is accepted once the old outbox has been silent for 60 s',
    });
    expect(await values(store, 'a')).toEqual([[100, 1], [200, 2]]);
    expect((await store.gateways())[0]).toMatchObject({ watermark: 2, lastSeenMs: 10_000 });
  });

  it('switches to a new outbox once the old one is silent, and says so', async () => {
    const { store } = openStore();
    await store.ingest([batch([[1, 1, 100, 1], [2, 1, 200, 2]], { receivedAtMs: 10_000 })]);
    const [result] = await store.ingest([batch([[1, 1, 300, 3]], { outboxId: 'outbox-b', receivedAtMs: 70_000 })]);
    expect(result!.watermark).toBe(1);
    expect(result!.stored).toBe(1);
    expect(await values(store, 'a')).toEqual([[100, 1], [200, 2], [300, 3]]);
    const [event] = await store.events({ type: 'gateway.outbox_replaced', limit: 10 });
    expect(event!.body).toEqual({ previousOutboxId: 'outbox-a', previousWatermark: 2, outboxId: 'outbox-b', watermark: 0 });
    expect((await store.gateways())[0]).toMatchObject({ watermark: 1 });
  });

  it('keeps each outbox\'s watermark, so an outbox that comes back stores nothing twice', async () => {
    const { store } = openStore();
    await store.ingest([batch([[1, 1, 100, 1], [2, 1, 200, 2]], { receivedAtMs: 10_000 })]);
    await store.ingest([batch([[1, 2, 300, 30]], { outboxId: 'outbox-b', receivedAtMs: 70_000 })]);
    // Outbox a again, resending 2 (its ack was lost) and sending 3; its series numbering is its own.
    const [result] = await store.ingest([batch([[2, 1, 200, 2], [3, 1, 400, 4]], { series: [], receivedAtMs: 130_000 })]);
    expect(result).toMatchObject({ watermark: 3, stored: 1, duplicates: 1 });
    expect(await values(store, 'a')).toEqual([[100, 1], [200, 2], [400, 4]]);
    expect(await values(store, 'b')).toEqual([[300, 30]]);
  });

  it('stores events and outbox gaps, and records clock skew', async () => {
    const { store } = openStore();
    await store.ingest([
      batch([], {
        sentAtMs: 5_000,
        receivedAtMs: 4_250,
        events: [{ seq: 1, type: 'device.offline', device: 'dev', timeMs: 900, bodyJson: '{"reason":"no reply"}' }],
        gaps: [{ seq: 2, firstDroppedSeq: 10, lastDroppedSeq: 19, dropped: 10, firstTimeMs: 100, lastTimeMs: 190 }],
      }),
    ]);
    const events = await store.events({ limit: 10 });
    expect(events.map((e) => [e.type, e.device, e.timeMs, e.body])).toEqual([
      ['outbox.gap', null, 100, { firstDroppedSeq: 10, lastDroppedSeq: 19, dropped: 10, firstTimeMs: 100, lastTimeMs: 190 }],
      ['device.offline', 'dev', 900, { reason: 'no reply' }],
    ]);
    expect((await store.gateways())[0]).toMatchObject({ id: 'gw-1', watermark: 2, clockSkewMs: 750, lastSeenMs: 4_250 });
  });

  it('keeps the newest sample as latest, whatever order samples arrive in', async () => {
    const { store } = openStore();
    await store.ingest([batch([[1, 1, 300, 3], [2, 1, 100, 1]])]);
    await store.ingest([batch([[3, 1, 200, 2]], { series: [] })]);
    const [latest] = await store.latest({ metric: 'voltage', device: 'dev' });
    expect([latest!.series.point, latest!.timeMs, latest!.value]).toEqual(['a', 300, 3]);
  });
});

describe('staged and settled samples', () => {
  // settleAt 4: the first batch (5 samples) settles into the clustered table, the second stays staged.
  async function mixed() {
    const { store, file } = openStore(4);
    await store.ingest([batch([[1, 1, 0, 10], [2, 1, 30_000, 20], [3, 1, 60_000, 30], [4, 1, 90_000, 40], [5, 1, 120_000, 50, 3]])]);
    await store.ingest([batch([[6, 1, 45_000, 5], [7, 1, 95_000, 60], [8, 1, 100_000, 2, 2]], { series: [] })]);
    const seriesId = (await store.seriesByKey('gw-1/dev/a'))!.id;
    expect(tableCounts(file)).toEqual({ settled: 5, staged: 3 });
    return { store, file, seriesId };
  }

  it('aggregates every bucket exactly over staged and settled samples', async () => {
    const { store, seriesId } = await mixed();
    const query = { seriesId, fromMs: 0, toMs: 240_000, stepMs: 60_000, alignMs: 0 };
    const result = async (agg: 'avg' | 'min' | 'max' | 'sum' | 'count' | 'last') => (await store.history({ ...query, agg })).map((b) => [b.startMs, b.value, b.count]);
    // Bucket 0: 10, 20 (settled), 5 (staged). Bucket 60 000: 30, 40 (settled), 60, 2 (staged).
    // Bucket 120 000: only a bad sample. Bucket 180 000: empty.
    expect(await result('avg')).toEqual([[0, 35 / 3, 3], [60_000, 33, 4], [120_000, null, 0], [180_000, null, 0]]);
    expect(await result('min')).toEqual([[0, 5, 3], [60_000, 2, 4], [120_000, null, 0], [180_000, null, 0]]);
    expect(await result('max')).toEqual([[0, 20, 3], [60_000, 60, 4], [120_000, null, 0], [180_000, null, 0]]);
    expect(await result('sum')).toEqual([[0, 35, 3], [60_000, 132, 4], [120_000, null, 0], [180_000, null, 0]]);
    expect(await result('count')).toEqual([[0, 3, 3], [60_000, 4, 4], [120_000, 0, 0], [180_000, 0, 0]]);
    expect(await result('last')).toEqual([[0, 5, 3], [60_000, 2, 4], [120_000, null, 0], [180_000, null, 0]]);
  });

  it('pages raw points across both, in time order, none twice', async () => {
    const { store, seriesId } = await mixed();
    const pages: number[][] = [];
    let after: { timeMs: number; seq: number } | undefined;
    for (;;) {
      const page = await store.rawPoints({ seriesId, fromMs: 0, toMs: 1e15, limit: 3, after });
      if (page.length === 0) break;
      pages.push(page.map((p) => p.timeMs));
      const last = page[page.length - 1]!;
      after = { timeMs: last.timeMs, seq: last.seq };
    }
    expect(pages).toEqual([[0, 30_000, 45_000], [60_000, 90_000, 95_000], [100_000, 120_000]]);
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
