/**
 * What every store engine promises, run against each (sqlite-store.test.ts,
 * postgres-store.test.ts): the watermark makes resends harmless, malformed records are counted
 * and passed, a second agent on a gateway id is refused and a reinstalled one taken, and reads
 * answer the same whatever the engine.
 */
import { describe, expect, it } from 'vitest';
import type { Aggregate, IngestBatch, RawPoint, RawQuery, Store } from '../../src/store/store.js';

/** A fresh, empty store; the engine's test file closes and removes it after each test. */
export type OpenStore = () => Promise<Store>;

const definition = (localId: number, point: string) => ({ localId, key: `gw-1/dev/${point}`, device: 'dev', point, metric: 'voltage', unit: 'V', intervalMs: 1000 });

/** A batch of samples (seq, series, time, value), quality good unless given. */
export function batch(samples: Array<[number, number, number, number, number?]>, extra: Partial<IngestBatch> = {}): IngestBatch {
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
    previousSeq: 0,
    ...extra,
  };
}

/** Every raw (time, value) of gw-1/dev/<point>. */
export async function values(store: Store, point: string): Promise<Array<[number, number | null]>> {
  const series = (await store.seriesByKey(`gw-1/dev/${point}`))!;
  const points = await store.rawPoints({ seriesId: series.id, fromMs: 0, toMs: 1e15, limit: 10_000 });
  return points.map((p) => [p.timeMs, p.value]);
}

/**
 * Eight samples of gw-1/dev/a in two batches; its id. Bucket 0: 10, 20, 5. Bucket 60 000: 30, 40,
 * 60, 2 (uncertain). Bucket 120 000: only a bad sample. Bucket 180 000: empty.
 */
export async function seedMinutes(store: Store): Promise<number> {
  await store.ingest([batch([[1, 1, 0, 10], [2, 1, 30_000, 20], [3, 1, 60_000, 30], [4, 1, 90_000, 40], [5, 1, 120_000, 50, 3]])]);
  await store.ingest([batch([[6, 1, 45_000, 5], [7, 1, 95_000, 60], [8, 1, 100_000, 2, 2]], { series: [] })]);
  return (await store.seriesByKey('gw-1/dev/a'))!.id;
}

/** The 1-minute buckets of seedMinutes' samples, for every aggregate. */
export async function expectMinuteBuckets(store: Store, seriesId: number): Promise<void> {
  const result = async (agg: Aggregate) => (await store.history({ seriesId, fromMs: 0, toMs: 240_000, stepMs: 60_000, alignMs: 0, agg })).map((b) => [b.startMs, b.value, b.count]);
  expect(await result('avg')).toEqual([[0, 35 / 3, 3], [60_000, 33, 4], [120_000, null, 0], [180_000, null, 0]]);
  expect(await result('min')).toEqual([[0, 5, 3], [60_000, 2, 4], [120_000, null, 0], [180_000, null, 0]]);
  expect(await result('max')).toEqual([[0, 20, 3], [60_000, 60, 4], [120_000, null, 0], [180_000, null, 0]]);
  expect(await result('sum')).toEqual([[0, 35, 3], [60_000, 132, 4], [120_000, null, 0], [180_000, null, 0]]);
  expect(await result('count')).toEqual([[0, 3, 3], [60_000, 4, 4], [120_000, 0, 0], [180_000, 0, 0]]);
  expect(await result('last')).toEqual([[0, 5, 3], [60_000, 2, 4], [120_000, null, 0], [180_000, null, 0]]);
}

/** The range seedArrivals' figures are of, and what is late in it. */
export const arrivalQuery = { fromMs: 100_000, toMs: 600_000, lateAfterMs: 300_000 };

/**
 * Samples of gw-1/dev/a stored at chosen times (each batch's receivedAtMs is what the store
 * keeps as received_ms), around the edges of arrivalQuery; its id. Of [100 000, 600 000), with
 * late meaning stored more than 300 000 ms after the sample time:
 *
 * | seq | time    | stored  | waited  | counted                       |
 * |-----|---------|---------|---------|-------------------------------|
 * | 1   | 100 000 | 500 000 | 400 000 | received, late (from is in)   |
 * | 2   | 199 999 | 500 000 | 300 001 | received, late (1 ms over)    |
 * | 3   | 200 000 | 500 000 | 300 000 | received, on time (exactly)   |
 * | 4   | 150 000 | 500 000 | 350 000 | no: bad, no value             |
 * | 5   | 99 999  | 500 000 | 400 001 | no: before from               |
 * | 6   | 450 000 | 500 000 | 50 000  | received, on time             |
 * | 7   | 599 999 | 900 000 | 300 001 | received, late                |
 * | 8   | 600 000 | 900 000 | 300 000 | no: to is out                 |
 * | 9   | 300 000 | 900 000 | 600 000 | received, late (uncertain)    |
 * | 10  | 300 000 | 900 000 | 600 000 | no: another series (b)        |
 *
 * received 6 (1, 2, 3, 6, 7, 9), late 4 (1, 2, 7, 9).
 */
export async function seedArrivals(store: Store): Promise<number> {
  await store.ingest([batch([[1, 1, 100_000, 1], [2, 1, 199_999, 2], [3, 1, 200_000, 3], [4, 1, 150_000, 0, 3], [5, 1, 99_999, 5], [6, 1, 450_000, 6]], { sentAtMs: 500_000, receivedAtMs: 500_000 })]);
  await store.ingest([batch([[7, 1, 599_999, 7], [8, 1, 600_000, 8], [9, 1, 300_000, 9, 2], [10, 2, 300_000, 10]], { series: [], sentAtMs: 900_000, receivedAtMs: 900_000 })]);
  return (await store.seriesByKey('gw-1/dev/a'))!.id;
}

/** seedArrivals' figures, and received the same as history's count over the range. */
export async function expectArrivals(store: Store, seriesId: number): Promise<void> {
  expect(await store.arrivals({ seriesId, ...arrivalQuery })).toEqual({ received: 6, late: 4 });
  const { fromMs, toMs } = arrivalQuery;
  expect(await store.history({ seriesId, fromMs, toMs, stepMs: toMs - fromMs, alignMs: fromMs, agg: 'count' })).toEqual([{ startMs: fromMs, value: 6, count: 6 }]);
}

/** Every raw point of a series, page by page, each page continuing after the last point of the one before (at most 100 pages). */
export async function rawPages(store: Store, seriesId: number, limit: number): Promise<RawPoint[][]> {
  const pages: RawPoint[][] = [];
  let after: RawQuery['after'];
  for (let page = 0; page < 100; page += 1) {
    const points = await store.rawPoints({ seriesId, fromMs: 0, toMs: 1e15, limit, after });
    if (points.length === 0) break;
    pages.push(points);
    const last = points[points.length - 1]!;
    after = { timeMs: last.timeMs, seq: last.seq };
  }
  return pages;
}

export function storeContract(engine: string, openStore: OpenStore): void {
  describe(`${engine} store: ingest`, () => {
    it('skips records at or under the watermark, so a resent batch stores nothing twice', async () => {
      const store = await openStore();
      const first = batch([[1, 1, 100, 1.5], [2, 1, 200, 2.5], [3, 2, 100, 7]]);
      expect(await store.ingest([first])).toEqual([{ watermark: 3, stored: 3, duplicates: 0, rejected: 0, rejections: [] }]);
      // The ack was lost: the same records come again, with two new ones after them.
      const resent = batch([[2, 1, 200, 2.5], [3, 2, 100, 7], [4, 1, 300, 3.5], [5, 2, 200, 8]]);
      expect(await store.ingest([resent])).toEqual([{ watermark: 5, stored: 2, duplicates: 2, rejected: 0, rejections: [] }]);
      expect(await values(store, 'a')).toEqual([[100, 1.5], [200, 2.5], [300, 3.5]]);
      expect(await values(store, 'b')).toEqual([[100, 7], [200, 8]]);
      expect((await store.gateways())[0]!.watermark).toBe(5);
    });

    it('tells its listeners the samples each commit stored, after the commit, new ones only', async () => {
      const store = await openStore();
      const heard: Array<Array<[number, number, number | null]>> = [];
      store.onStored((samples) => heard.push(samples.map((s) => [s.seq, s.timeMs, s.value])));
      await store.ingest([batch([[1, 1, 100, 1.5], [2, 2, 100, 7]])]);
      // A resend with one new record: only that one is heard of; a group of two batches is one call.
      await store.ingest([batch([[2, 2, 100, 7], [3, 1, 200, 2.5]]), batch([[4, 1, 300, 0, 3]], { series: [] })]);
      const a = (await store.seriesByKey('gw-1/dev/a'))!.id;
      expect(heard).toEqual([[[1, 100, 1.5], [2, 100, 7]], [[3, 200, 2.5], [4, 300, null]]]);
      const [last] = await new Promise<Array<{ seriesId: number }>>((resolve) => {
        store.onStored((samples) => resolve([...samples]));
        void store.ingest([batch([[5, 1, 400, 4]], { series: [] })]);
      });
      expect(last!.seriesId).toBe(a);
    });

    it('commits several batches of one gateway in one group, in order', async () => {
      const store = await openStore();
      const results = await store.ingest([batch([[1, 1, 100, 1]]), batch([[2, 1, 200, 2]], { series: [] }), batch([[2, 1, 200, 2], [3, 1, 300, 3]], { series: [] })]);
      expect(results.map((r) => [r.watermark, r.stored, r.duplicates])).toEqual([[1, 1, 0], [2, 1, 0], [3, 1, 1]]);
      expect(await values(store, 'a')).toEqual([[100, 1], [200, 2], [300, 3]]);
    });

    it('holds back a batch that comes before the records it follows, stores it once they are in, and takes its series then', async () => {
      const store = await openStore();
      await store.ingest([batch([], { series: [] })]); // the agent's first heartbeat
      const second = batch([[3, 1, 300, 3], [4, 2, 300, 4]], { previousSeq: 2, receivedAtMs: 2_000 });
      const early = 'the batch follows record 2 of outbox outbox-a, and the hub has stored up to 0';
      expect(await store.ingest([second])).toEqual([{ watermark: 0, stored: 0, duplicates: 0, rejected: 0, rejections: [], early }]);
      expect((await store.gateways()).map((g) => [g.id, g.watermark, g.lastSeenMs])).toEqual([['gw-1', 0, 1_000]]);
      expect(await store.seriesByKey('gw-1/dev/a')).toBeUndefined();
      // In one group, behind the batch it follows, it is stored; ahead of it, it waits for the next group.
      const first = batch([[1, 1, 100, 1], [2, 2, 100, 2]]);
      const results = await store.ingest([second, first, second]);
      expect(results.map((r) => [r.watermark, r.stored, r.duplicates, r.early ?? null])).toEqual([
        [0, 0, 0, early],
        [2, 2, 0, null],
        [4, 2, 0, null],
      ]);
      expect(await values(store, 'a')).toEqual([[100, 1], [300, 3]]);
      expect(await values(store, 'b')).toEqual([[100, 2], [300, 4]]);
      // Handed over again later, it is a duplicate.
      expect(await store.ingest([second])).toEqual([{ watermark: 4, stored: 0, duplicates: 2, rejected: 0, rejections: [] }]);
    });

    it('never holds back a heartbeat: it stores nothing, so its order does not matter', async () => {
      const store = await openStore();
      await store.ingest([batch([[1, 1, 100, 1]])]);
      // The agent has acked up to 9 (a hub restored from a backup lost 2-9): its heartbeat is taken.
      const [result] = await store.ingest([batch([], { series: [], previousSeq: 9, receivedAtMs: 5_000 })]);
      expect(result).toEqual({ watermark: 1, stored: 0, duplicates: 0, rejected: 0, rejections: [] });
      expect((await store.gateways()).map((g) => [g.watermark, g.lastSeenMs])).toEqual([[1, 5_000]]);
    });

    it('lets an early batch of a new outbox change nothing: the gateway stays with its outbox', async () => {
      const store = await openStore();
      await store.ingest([batch([[1, 1, 100, 1]])]);
      const [result] = await store.ingest([batch([[5, 1, 300, 3]], { outboxId: 'outbox-b', receivedAtMs: 70_000, previousSeq: 4 })]);
      expect(result!.early).toBe('the batch follows record 4 of outbox outbox-b, and the hub has stored up to 0');
      expect((await store.gateways()).map((g) => [g.id, g.watermark, g.lastSeenMs])).toEqual([['gw-1', 1, 1_000]]);
      expect(await store.events({ type: 'gateway.outbox_replaced', limit: 10 })).toEqual([]);
    });

    it('applies series definitions in batch order: no batch of a group sees the definitions of a later one', async () => {
      const store = await openStore();
      const results = await store.ingest([
        batch([[1, 1, 100, 1], [2, 3, 100, 2]], { series: [definition(1, 'a')] }),
        batch([[3, 1, 200, 3], [4, 3, 200, 4]], { series: [definition(1, 'b'), definition(3, 'c')] }),
      ]);
      expect(results.map((r) => [r.stored, r.rejected, r.rejections])).toEqual([
        [1, 1, ['record 2: sample of series 3 which the gateway never defined']],
        [2, 0, []],
      ]);
      expect([await values(store, 'a'), await values(store, 'b'), await values(store, 'c')]).toEqual([[[100, 1]], [[200, 3]], [[200, 4]]]);
    });

    it('counts malformed records, stores the rest, and moves the watermark past them', async () => {
      const store = await openStore();
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

    it('rejects samples of a series the ingest path refused, naming why', async () => {
      const store = await openStore();
      const [result] = await store.ingest([batch([[1, 1, 100, 1], [2, 3, 100, 2]], { refusedSeries: [{ localId: 3, reason: 'its series key "gw-2/dev/c" is not "gw-1/dev/c"' }] })]);
      expect(result).toEqual({
        watermark: 2,
        stored: 1,
        duplicates: 0,
        rejected: 1,
        rejections: ['record 2: sample of series 3, refused: its series key "gw-2/dev/c" is not "gw-1/dev/c"'],
      });
    });

    it('refuses a second outbox while the first is alive: two agents sharing one gateway id', async () => {
      const store = await openStore();
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

    it('refuses the later batches of a refused outbox in the same group, and takes the others', async () => {
      const store = await openStore();
      await store.ingest([batch([[1, 1, 100, 1]], { receivedAtMs: 10_000 })]);
      const results = await store.ingest([
        batch([[1, 1, 300, 3]], { outboxId: 'outbox-b', receivedAtMs: 20_000 }),
        batch([[2, 1, 400, 4]], { outboxId: 'outbox-b', series: [], receivedAtMs: 20_000 }),
        batch([[2, 1, 500, 5]], { series: [], receivedAtMs: 20_000 }),
      ]);
      expect(results.map((r) => [r.refused !== undefined, r.stored, r.watermark])).toEqual([[true, 0, 0], [true, 0, 0], [false, 1, 2]]);
      expect(await values(store, 'a')).toEqual([[100, 1], [500, 5]]);
    });

    it('switches to a new outbox once the old one is silent, and says so', async () => {
      const store = await openStore();
      await store.ingest([batch([[1, 1, 100, 1], [2, 1, 200, 2]], { receivedAtMs: 10_000 })]);
      const [result] = await store.ingest([batch([[1, 1, 300, 3]], { outboxId: 'outbox-b', receivedAtMs: 70_000 })]);
      expect(result!.watermark).toBe(1);
      expect(result!.stored).toBe(1);
      expect(await values(store, 'a')).toEqual([[100, 1], [200, 2], [300, 3]]);
      const [event] = await store.events({ type: 'gateway.outbox_replaced', limit: 10 });
      expect(event!.body).toEqual({ previousOutboxId: 'outbox-a', previousWatermark: 2, outboxId: 'outbox-b', watermark: 0 });
      expect((await store.gateways())[0]).toMatchObject({ watermark: 1 });
    });

    it("keeps each outbox's watermark, so an outbox that comes back stores nothing twice", async () => {
      const store = await openStore();
      await store.ingest([batch([[1, 1, 100, 1], [2, 1, 200, 2]], { receivedAtMs: 10_000 })]);
      await store.ingest([batch([[1, 2, 300, 30]], { outboxId: 'outbox-b', receivedAtMs: 70_000 })]);
      // Outbox a again, resending 2 (its ack was lost) and sending 3; its series numbering is its own.
      const [result] = await store.ingest([batch([[2, 1, 200, 2], [3, 1, 400, 4]], { series: [], receivedAtMs: 130_000 })]);
      expect(result).toMatchObject({ watermark: 3, stored: 1, duplicates: 1 });
      expect(await values(store, 'a')).toEqual([[100, 1], [200, 2], [400, 4]]);
      expect(await values(store, 'b')).toEqual([[300, 30]]);
    });

    it('stores events and outbox gaps, and records clock skew', async () => {
      const store = await openStore();
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
      const store = await openStore();
      await store.ingest([batch([[1, 1, 300, 3], [2, 1, 100, 1]])]);
      await store.ingest([batch([[3, 1, 200, 2]], { series: [] })]);
      const [latest] = await store.latest({ metric: 'voltage', device: 'dev' });
      expect([latest!.series.point, latest!.timeMs, latest!.value]).toEqual(['a', 300, 3]);
    });
  });

  describe(`${engine} store: reads`, () => {
    async function seeded(): Promise<{ store: Store; seriesId: number }> {
      const store = await openStore();
      return { store, seriesId: await seedMinutes(store) };
    }

    it('aggregates every bucket over good and uncertain samples, empty buckets included', async () => {
      const { store, seriesId } = await seeded();
      await expectMinuteBuckets(store, seriesId);
    });

    it('aligns buckets to the given instant and cuts the first and last at from and to', async () => {
      const { store, seriesId } = await seeded();
      // Buckets of 50 s counted from -20 s: [-20, 30), [30, 80), [80, 130); from 10 s to 100 s.
      const buckets = await store.history({ seriesId, fromMs: 10_000, toMs: 100_000, stepMs: 50_000, alignMs: -20_000, agg: 'sum' });
      expect(buckets).toEqual([
        { startMs: -20_000, value: null, count: 0 },
        { startMs: 30_000, value: 20 + 5 + 30, count: 3 },
        { startMs: 80_000, value: 40 + 60, count: 2 },
      ]);
    });

    it('counts the valid samples of a range and those stored more than lateAfterMs after their time', async () => {
      const store = await openStore();
      const seriesId = await seedArrivals(store);
      await expectArrivals(store, seriesId);
      // One ms more to wait: seq 2 and 7 (300 001 ms) are on time; an empty range or one without samples counts none.
      expect(await store.arrivals({ seriesId, ...arrivalQuery, lateAfterMs: 300_001 })).toEqual({ received: 6, late: 2 });
      expect(await store.arrivals({ seriesId, fromMs: 100_000, toMs: 100_000, lateAfterMs: 0 })).toEqual({ received: 0, late: 0 });
      expect(await store.arrivals({ seriesId, fromMs: 700_000, toMs: 800_000, lateAfterMs: 0 })).toEqual({ received: 0, late: 0 });
    });

    it('pages raw points in (time, seq) order, none twice', async () => {
      const { store, seriesId } = await seeded();
      await store.ingest([batch([[9, 1, 45_000, 6]], { series: [] })]);
      expect((await rawPages(store, seriesId, 3)).map((page) => page.map((p) => p.seq))).toEqual([[1, 2, 6], [9, 3, 4], [7, 8, 5]]);
      const [bad] = await store.rawPoints({ seriesId, fromMs: 120_000, toMs: 120_001, limit: 1 });
      expect(bad).toEqual({ timeMs: 120_000, seq: 5, value: null, quality: 'bad', receivedMs: 1_000 });
    });

    it('keeps each device\'s newest reported state, and lists devices by gateway and state', async () => {
      const store = await openStore();
      const event = (seq: number, type: string, timeMs: number, body: Record<string, unknown>) => ({ seq, type, device: 'dev', timeMs, bodyJson: JSON.stringify(body) });
      await store.ingest([
        batch([[1, 1, 100, 1]], {
          events: [
            event(2, 'device.offline', 5_000, { reason: 'no reply' }),
            event(3, 'device.health', 6_000, { state: 'offline', reads: 40, errors: { timeout: 3 }, lastGoodReadMs: 4_000, lastError: 'timeout after 1000 ms' }),
            // Older than what the device reported: changes nothing.
            event(4, 'device.online', 1_000, {}),
          ],
        }),
      ]);
      expect(await store.devices({})).toEqual([
        { gatewayId: 'gw-1', device: 'dev', state: 'offline', stateSinceMs: 5_000, reason: 'no reply', lastGoodReadMs: 4_000, reads: 40, errors: { timeout: 3 }, lastError: 'timeout after 1000 ms', reportedMs: 6_000, series: 2 },
      ]);
      await store.ingest([batch([], { series: [], events: [event(5, 'device.online', 7_000, {})] })]);
      expect((await store.devices({ state: 'online' })).map((d) => [d.device, d.state, d.stateSinceMs, d.reads])).toEqual([['dev', 'online', 7_000, 40]]);
      expect(await store.devices({ state: 'offline' })).toEqual([]);
      expect(await store.devices({ gatewayId: 'gw-2' })).toEqual([]);
    });

    it('filters events and pages them newest first', async () => {
      const store = await openStore();
      const events = [1, 2, 3, 4, 5].map((seq) => ({ seq, type: seq % 2 === 0 ? 'device.online' : 'device.offline', device: `dev-${seq}`, timeMs: seq * 1_000, bodyJson: '' }));
      await store.ingest([batch([], { series: [], events })]);
      const offline = await store.events({ type: 'device.offline', limit: 2 });
      expect(offline.map((e) => [e.device, e.timeMs, e.body])).toEqual([['dev-5', 5_000, {}], ['dev-3', 3_000, {}]]);
      const next = await store.events({ type: 'device.offline', limit: 2, beforeId: offline[1]!.id });
      expect(next.map((e) => e.device)).toEqual(['dev-1']);
      expect((await store.events({ fromMs: 2_000, toMs: 4_000, limit: 10 })).map((e) => e.device)).toEqual(['dev-3', 'dev-2']);
      expect((await store.events({ gatewayId: 'gw-1', device: 'dev-4', limit: 10 })).map((e) => e.type)).toEqual(['device.online']);
      expect((await store.events({ gatewayIds: ['gw-2', 'gw-1'], type: 'device.online', limit: 10 })).map((e) => e.device)).toEqual(['dev-4', 'dev-2']);
      expect(await store.events({ gatewayIds: ['gw-2'], limit: 10 })).toEqual([]);
      expect(await store.events({ gatewayIds: [], limit: 10 })).toEqual([]);
    });

    it('lists series and latest values by gateway, metric and device, ordered by key', async () => {
      const store = await openStore();
      const series = [definition(1, 'b'), definition(2, 'a'), { ...definition(3, 'c'), device: 'other', key: 'gw-1/other/c', metric: 'current', unit: 'A' }];
      await store.ingest([batch([[1, 1, 100, 1], [2, 2, 100, 2], [3, 3, 100, 3]], { series })]);
      expect((await store.series({})).map((s) => s.key)).toEqual(['gw-1/dev/a', 'gw-1/dev/b', 'gw-1/other/c']);
      expect(await store.series({ metric: 'current' })).toEqual([
        { id: expect.any(Number), key: 'gw-1/other/c', gatewayId: 'gw-1', device: 'other', point: 'c', metric: 'current', unit: 'A', intervalMs: 1000 },
      ]);
      expect((await store.latest({ gatewayId: 'gw-1', device: 'dev' })).map((l) => [l.series.key, l.value, l.quality, l.receivedMs])).toEqual([
        ['gw-1/dev/a', 2, 'good', 1_000],
        ['gw-1/dev/b', 1, 'good', 1_000],
      ]);
      expect(await store.seriesByKey('gw-1/dev/none')).toBeUndefined();
    });

    it('replaces the API token digests, revoking every other', async () => {
      const store = await openStore();
      await store.replaceTokenDigests([{ label: 'generated', sha256Hex: 'aa' }, { label: 'other', sha256Hex: 'bb' }]);
      await store.replaceTokenDigests([{ label: 'DAVY_HUB_TOKEN', sha256Hex: 'cc' }]);
      expect(await store.tokenDigests()).toEqual([{ label: 'DAVY_HUB_TOKEN', sha256Hex: 'cc' }]);
      expect([await store.hasTokenDigest('aa'), await store.hasTokenDigest('cc')]).toEqual([false, true]);
    });
  });
}
