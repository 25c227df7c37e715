/**
 * The PostgreSQL store on a real server of its own: the contract every store keeps
 * (store-contract.ts), and what is PostgreSQL's own — partitions made on demand and dropped
 * by retention, rollups that answer as the raw samples do, migrations, and two hub replicas
 * on one database staying exactly once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { TestPostgres } from '@davy/runtime/testing';
import { countSegments, historySegments } from '../../src/store/postgres/history.js';
import { SchemaTooNewError } from '../../src/store/schema-too-new.js';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/postgres-store.js';
import type { Aggregate } from '../../src/store/store.js';
import { arrivalQuery, batch, expectArrivals, seedArrivals, storeContract } from './store-contract.js';

const logLines: string[] = [];
const log = createLogger({ component: 'test', sink: { write: (line) => logLines.push(line) } });

let server: TestPostgres;
beforeAll(async () => {
  server = await TestPostgres.start();
});
afterAll(() => server.close());

const stores: PostgresStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

let databases = 0;
async function openStore(options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const url = await server.createDatabase(`store_${++databases}`);
  const store = await PostgresStore.open(url, { log, aheadDays: 0, ...options });
  stores.push(store);
  return store;
}

storeContract('PostgreSQL', () => openStore());

/** A sample as generated: the truth the store's answers are checked against. */
interface Generated {
  seq: number;
  timeMs: number;
  value: number;
  quality: number;
}

const hour = 3_600_000;
const day = 24 * hour;
const jan10 = Date.UTC(2026, 0, 10);

/**
 * About 1,300 samples of gw-1/dev/a over 2.5 days at uneven times, some uncertain, some bad,
 * some sharing a time. Values are quarters, so every sum is exact in any order.
 */
function generate(count: number, startMs: number): Generated[] {
  const samples: Generated[] = [];
  let timeMs = startMs;
  for (let seq = 1; seq <= count; seq += 1) {
    if (seq % 50 !== 0) timeMs += 60_000 + ((seq * 7919) % 240_000);
    samples.push({ seq, timeMs, value: ((seq * 31) % 97) / 4 - 5, quality: seq % 13 === 0 ? 3 : seq % 11 === 0 ? 2 : 1 });
  }
  return samples;
}

function toBatch(samples: Generated[], defineSeries: boolean) {
  return batch(
    samples.map((s) => [s.seq, 1, s.timeMs, s.value, s.quality]),
    defineSeries ? {} : { series: [] },
  );
}

/** The buckets computed here from the generated samples, as the API defines them. */
function expectedBuckets(samples: Generated[], query: { fromMs: number; toMs: number; stepMs: number; alignMs: number; agg: Aggregate }) {
  const first = query.alignMs + Math.floor((query.fromMs - query.alignMs) / query.stepMs) * query.stepMs;
  const buckets = [];
  for (let start = first; start < query.toMs; start += query.stepMs) {
    const inside = samples
      .filter((s) => s.quality !== 3 && s.timeMs >= Math.max(start, query.fromMs) && s.timeMs < Math.min(start + query.stepMs, query.toMs))
      .sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq);
    const values = inside.map((s) => s.value);
    const sum = values.reduce((a, b) => a + b, 0);
    const value =
      inside.length === 0
        ? query.agg === 'count'
          ? 0
          : null
        : { avg: sum / values.length, min: Math.min(...values), max: Math.max(...values), sum, count: values.length, last: values[values.length - 1]! }[query.agg];
    buckets.push({ startMs: start, value, count: inside.length });
  }
  return buckets;
}

const aggregates: Aggregate[] = ['avg', 'min', 'max', 'sum', 'count', 'last'];

describe('PostgreSQL rollups', () => {
  /** The first 900 samples ingested and folded; the rest, a late sample and a resend ingested after, not folded yet. */
  async function seeded() {
    const store = await openStore({ foldIntervalMs: 3_600_000 });
    const samples = generate(1_300, jan10 + 7 * hour + 13_000);
    // In groups of three batches of 100, as group commit makes them.
    for (let i = 0; i < samples.length; i += 300) {
      if (i === 900) expect(await store.fold.run()).toBe(900);
      const group = [0, 100, 200].map((offset) => samples.slice(i + offset, i + offset + 100)).filter((part) => part.length > 0);
      await store.ingest(group.map((part, index) => toBatch(part, i === 0 && index === 0)));
    }
    // A late sample for the first hours, and a resend whose records are all duplicates.
    const late = { seq: 1_301, timeMs: jan10 + 7 * hour + 20 * 60_000 + 5_000, value: 99.75, quality: 1 };
    const [lateResult, resendResult] = await store.ingest([toBatch([late], false), toBatch(samples.slice(500, 600), false)]);
    expect([lateResult!.stored, resendResult!.stored, resendResult!.duplicates]).toEqual([1, 0, 100]);
    return { store, samples: [...samples, late], seriesId: (await store.seriesByKey('gw-1/dev/a'))!.id };
  }

  it('answers history from rollups exactly as from the raw samples, folded or not yet, for every aggregate, step and time zone', async () => {
    const { store, samples, seriesId } = await seeded();
    const from = jan10 + 7 * hour + 7 * 60_000 + 30_000;
    const to = jan10 + 2 * day + 17 * hour + 42 * 60_000 + 10_000;
    const queries = [
      { what: 'local days at +08:00, whole (hourly rollups only)', stepMs: day, alignMs: -8 * hour, source: 'rollup_1h', fromMs: jan10 - 8 * hour, toMs: jan10 + 3 * day - 8 * hour },
      { what: 'whole hours (hourly rollups only)', stepMs: hour, alignMs: 0, source: 'rollup_1h', fromMs: jan10, toMs: jan10 + 3 * day },
      { what: '1 day at +08:00 (hourly rollups)', stepMs: day, alignMs: -8 * hour, source: 'rollup_1h' },
      { what: '2 h at +08:00, unaligned ends (hourly, minute and raw)', stepMs: 2 * hour, alignMs: 0, source: 'rollup_1h' },
      { what: '1 day at +05:30 (minute rollups)', stepMs: day, alignMs: -(5 * hour + 30 * 60_000), source: 'rollup_1m' },
      { what: '15 min (minute rollups)', stepMs: 15 * 60_000, alignMs: 0, source: 'rollup_1m' },
      { what: '90 s (raw samples)', stepMs: 90_000, alignMs: 0, source: 'samples' },
    ];
    for (const state of ['partly folded', 'all folded']) {
      if (state === 'all folded') expect(await store.fold.run()).toBe(401);
      for (const { what, source, fromMs = from, toMs = to, stepMs, alignMs } of queries) {
        expect(historySegments({ fromMs, toMs, stepMs, alignMs }).map((segment) => segment.source), what).toContain(source);
        for (const agg of aggregates) {
          const asked = { seriesId, fromMs, toMs, stepMs, alignMs, agg };
          expect(await store.history(asked), `${state}: ${what}, ${agg}`).toEqual(expectedBuckets(samples, asked));
        }
      }
    }
  });

  it('counts arrivals as history counts, folded or not: received from the minute rollup and the raw rows, late from the raw rows', async () => {
    const store = await openStore({ foldIntervalMs: 3_600_000 });
    const seriesId = await seedArrivals(store);
    expect(countSegments(arrivalQuery.fromMs, arrivalQuery.toMs)).toEqual([
      { source: 'samples', fromMs: 100_000, toMs: 120_000 },
      { source: 'rollup_1m', fromMs: 120_000, toMs: 600_000 },
    ]);
    await expectArrivals(store, seriesId);
    // Every stored sample folds (the bad one and series b's too); the rollups count the valid ones.
    expect(await store.fold.run()).toBe(10);
    await expectArrivals(store, seriesId);
  });

  it('keeps the newest sample as latest, folded or not, and a late sample never replaces it', async () => {
    const { store, samples } = await seeded();
    const newest = samples.slice(0, 1_300).reduce((a, b) => (b.timeMs >= a.timeMs ? b : a));
    const latest = async () => (await store.latest({})).map((l) => [l.timeMs, l.value, l.quality]);
    const expected = [[newest.timeMs, newest.quality === 3 ? null : newest.value, { 1: 'good', 2: 'uncertain', 3: 'bad' }[newest.quality]]];
    expect(await latest()).toEqual(expected);
    await store.fold.run();
    expect(await latest()).toEqual(expected);
    // One at the same time arrives later: it is the newer.
    await store.ingest([toBatch([{ seq: 1_302, timeMs: newest.timeMs, value: 0.5, quality: 1 }], false)]);
    expect(await latest()).toEqual([[newest.timeMs, 0.5, 'good']]);
  });

  it('keeps every rollup row equal to its bucket summed up from the raw rows, late sample included, duplicates not', async () => {
    const { store } = await seeded();
    await store.fold.run();
    expect((await store.pool.query('SELECT COUNT(*)::int8 AS n FROM fold_queue')).rows[0].n).toBe(0);
    for (const [table, width] of [['rollup_1m', 60_000], ['rollup_1h', hour]] as const) {
      const { rows } = await store.pool.query(
        `SELECT r.bucket_ms, r.count, r.sum, r.min, r.max, r.last, raw.count AS raw_count, raw.sum AS raw_sum, raw.min AS raw_min, raw.max AS raw_max, raw.last AS raw_last
         FROM ${table} r FULL JOIN (
           SELECT series_id, time_ms / ${width} * ${width} AS bucket_ms, COUNT(*)::int8 AS count, SUM(value) AS sum, MIN(value) AS min, MAX(value) AS max,
                  (array_agg(value ORDER BY time_ms DESC, seq DESC))[1] AS last
           FROM samples WHERE value IS NOT NULL GROUP BY 1, 2) raw ON raw.series_id = r.series_id AND raw.bucket_ms = r.bucket_ms
         WHERE r.count IS DISTINCT FROM raw.count OR r.sum IS DISTINCT FROM raw.sum OR r.min IS DISTINCT FROM raw.min
            OR r.max IS DISTINCT FROM raw.max OR r.last IS DISTINCT FROM raw.last`,
      );
      expect(rows, table).toEqual([]);
    }
    const { rows } = await store.pool.query('SELECT SUM(count)::int8 AS counted FROM rollup_1h');
    // 1,300 generated + 1 late; 100 bad ones carry no value.
    expect(rows[0].counted).toBe(1_301 - Math.floor(1_300 / 13));
  });
});

describe('PostgreSQL partitions', () => {
  /** Today's partition, made at open. */
  const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const names = async (store: PostgresStore, table: 'samples' | 'rollup_1m' | 'rollup_1h') => (await store.partitions.list(table)).map((range) => range.name);

  it('makes the partitions of today and the days ahead at open', async () => {
    const store = await openStore({ aheadDays: 2 });
    const days = [0, 1, 2].map((ahead) => new Date(Date.now() + ahead * day).toISOString().slice(0, 10).replaceAll('-', ''));
    expect(await names(store, 'samples')).toEqual(days.map((d) => `samples_${d}`));
    expect(await names(store, 'rollup_1m')).toEqual(days.map((d) => `rollup_1m_${d}`));
    expect(await names(store, 'rollup_1h')).toEqual([...new Set(days.map((d) => `rollup_1h_${d.slice(0, 6)}`))]);
  });

  it('makes a partition on demand for late and early data, so no batch fails for lack of one', async () => {
    const store = await openStore();
    const late = Date.UTC(2020, 1, 29, 23, 59, 59);
    const early = Date.UTC(2031, 11, 31, 0, 0, 1);
    expect(await store.ingest([batch([[1, 1, late, 1], [2, 1, early, 2]])])).toMatchObject([{ stored: 2, watermark: 2 }]);
    expect(await names(store, 'samples')).toEqual(['samples_20200229', `samples_${today}`, 'samples_20311231']);
    expect(await names(store, 'rollup_1h')).toEqual(['rollup_1h_202002', `rollup_1h_${today.slice(0, 6)}`, 'rollup_1h_203112']);
    const seriesId = (await store.seriesByKey('gw-1/dev/a'))!.id;
    expect((await store.rawPoints({ seriesId, fromMs: 0, toMs: 1e15, limit: 10 })).map((p) => p.timeMs)).toEqual([late, early]);
    expect(logLines.filter((line) => line.includes('"event":"store.partition_created"') && line.includes('samples_20200229'))).toHaveLength(1);
  });

  it('drops whole days older than the retention, keeps hourly rollups, and takes a late sample for a dropped day', async () => {
    const store = await openStore({ retentionDays: 2 });
    const now = Date.UTC(2026, 0, 20, 12);
    const at = (daysAgo: number, hours: number) => Date.UTC(2026, 0, 20 - daysAgo, hours);
    await store.ingest([batch([[1, 1, at(10, 3), 4], [2, 1, at(10, 3) + 60_000, 6], [3, 1, at(3, 5), 7], [4, 1, at(2, 0), 8], [5, 1, at(0, 1), 9]])]);
    const seriesId = (await store.seriesByKey('gw-1/dev/a'))!.id;
    const hourOfDay10 = { seriesId, fromMs: at(10, 3), toMs: at(10, 4), stepMs: hour, alignMs: 0, agg: 'avg' as const };
    expect(await store.history(hourOfDay10)).toEqual([{ startMs: at(10, 3), value: 5, count: 2 }]);

    await store.fold.run();
    await store.upkeep.run(now);
    expect(await names(store, 'samples')).toEqual(['samples_20260118', 'samples_20260120', `samples_${today}`]);
    expect(await names(store, 'rollup_1m')).toEqual(['rollup_1m_20260118', 'rollup_1m_20260120', `rollup_1m_${today}`]);
    expect(await names(store, 'rollup_1h')).toEqual(['rollup_1h_202601', `rollup_1h_${today.slice(0, 6)}`]);
    expect(logLines.filter((line) => line.includes('"event":"store.partition_dropped"')).map((line) => JSON.parse(line).partition)).toEqual([
      'samples_20260110',
      'samples_20260117',
      'rollup_1m_20260110',
      'rollup_1m_20260117',
    ]);
    expect((await store.rawPoints({ seriesId, fromMs: 0, toMs: 1e15, limit: 10 })).map((p) => p.value)).toEqual([8, 9]);
    // The raw rows of day -10 are gone; its hour still answers, from the hourly rollup.
    expect(await store.history(hourOfDay10)).toEqual([{ startMs: at(10, 3), value: 5, count: 2 }]);
    // So does its count of arrivals; whether they came late, only the raw rows knew.
    const day10 = { seriesId, fromMs: at(10, 0), toMs: at(9, 0), lateAfterMs: 300_000 };
    expect(await store.arrivals(day10)).toEqual({ received: 2, late: null });
    expect(await store.arrivals({ ...day10, fromMs: at(2, 0), toMs: at(1, 0) })).toEqual({ received: 1, late: 0 });

    // A gateway that was offline for weeks sends a reading of day -10: stored all the same.
    expect(await store.ingest([batch([[6, 1, at(10, 9), 1]], { series: [] })])).toMatchObject([{ stored: 1, watermark: 6 }]);
    expect((await store.rawPoints({ seriesId, fromMs: 0, toMs: 1e15, limit: 10 })).map((p) => p.value)).toEqual([1, 8, 9]);
    expect(await store.arrivals(day10)).toEqual({ received: 3, late: null });
    expect(await store.arrivals({ ...day10, fromMs: at(10, 9), toMs: at(10, 10) })).toEqual({ received: 1, late: 0 });
  });
});

describe('PostgreSQL with two hub replicas on one database', () => {
  it('takes a sample of a series the other replica stored the definition of', async () => {
    const first = await openStore({ foldIntervalMs: 3_600_000 });
    const second = await PostgresStore.open(server.url(`store_${databases}`), { log, aheadDays: 0, foldIntervalMs: 3_600_000 });
    stores.push(second);
    const point = (localId: number, name: string) => ({ localId, key: `gw-1/dev/${name}`, device: 'dev', point: name, metric: 'voltage', unit: 'V', intervalMs: 1000 });
    // The first replica caches the outbox's series; a series found later is defined in a batch the second stores.
    await first.ingest([batch([[1, 1, jan10, 1]], { series: [point(1, 'a')] })]);
    await second.ingest([batch([[2, 2, jan10, 2]], { series: [point(2, 'late')], previousSeq: 1 })]);
    const [result] = await first.ingest([batch([[3, 2, jan10 + 1_000, 3]], { series: [], previousSeq: 2 })]);
    expect([result!.stored, result!.rejected, result!.rejections]).toEqual([1, 0, []]);
    const late = (await first.seriesByKey('gw-1/dev/late'))!;
    expect((await first.rawPoints({ seriesId: late.id, fromMs: 0, toMs: 1e15, limit: 10 })).map((p) => p.value)).toEqual([2, 3]);
  });

  it('stores and folds every record once when both commit the same gateway\'s batches at the same time', async () => {
    const first = await openStore({ foldIntervalMs: 3_600_000 });
    const url = server.url(`store_${databases}`);
    const second = await PostgresStore.open(url, { log, aheadDays: 0, foldIntervalMs: 3_600_000 });
    stores.push(second);
    const perBatch = 50;
    const batches = Array.from({ length: 40 }, (_, index) =>
      batch(
        Array.from({ length: perBatch }, (_, i) => {
          const seq = index * perBatch + i + 1;
          return [seq, 1 + (seq % 2), jan10 + seq * 1_000, seq] as [number, number, number, number];
        }),
        index === 0 ? {} : { series: [] },
      ),
    );
    // The gateway's stream moves between replicas and resends: each batch reaches both at once.
    const stored = await first.ingest([batches[0]!]).then(([result]) => result!.stored);
    let total = stored;
    for (const next of batches.slice(1)) {
      const results = await Promise.all([first.ingest([next]), second.ingest([next])]);
      total += results.reduce((sum, [result]) => sum + result!.stored, 0);
    }
    expect(total).toBe(40 * perBatch);
    const { rows } = await first.pool.query('SELECT COUNT(*)::int8 AS samples, COUNT(DISTINCT seq)::int8 AS distinct_seqs FROM samples');
    expect(rows[0]).toEqual({ samples: 2_000, distinct_seqs: 2_000 });
    // Both fold at once, again and again: each commit is added into the rollups once.
    const folded = await Promise.all([first.fold.run(), second.fold.run(), first.fold.run(), second.fold.run()]);
    expect(folded.reduce((a, b) => a + b, 0)).toBe(2_000);
    const counted = await first.pool.query('SELECT SUM(count)::int8 AS n FROM rollup_1m');
    expect(counted.rows[0].n).toBe(2_000);
    expect((await second.gateways()).map((g) => [g.id, g.watermark])).toEqual([['gw-1', 2_000]]);
  });

  it('commits groups that hold the same gateways in any order without deadlock', async () => {
    const first = await openStore();
    const second = await PostgresStore.open(server.url(`store_${databases}`), { log, aheadDays: 0 });
    stores.push(second);
    const of = (gatewayId: string, seq: number) => ({
      ...batch([[seq, 1, jan10 + seq, seq]], { series: seq === 1 ? [{ localId: 1, key: `${gatewayId}/dev/a`, device: 'dev', point: 'a', metric: 'voltage', unit: 'V', intervalMs: 1000 }] : [] }),
      gatewayId,
      outboxId: `${gatewayId}-outbox`,
    });
    // Many gateways per group, so that the two transactions lock their rows at the same time.
    const ids = Array.from({ length: 300 }, (_, i) => `gw-${String(i).padStart(3, '0')}`);
    for (let seq = 1; seq <= 5; seq += 1) {
      await Promise.all([first.ingest(ids.map((id) => of(id, seq))), second.ingest([...ids].reverse().map((id) => of(id, seq)))]);
    }
    expect((await first.gateways()).map((g) => [g.id, g.watermark])).toEqual(ids.map((id) => [id, 5]));
    const { rows } = await first.pool.query('SELECT COUNT(*)::int8 AS n FROM samples');
    expect(rows[0].n).toBe(5 * ids.length);
  });
});

describe('PostgreSQL migrations', () => {
  it('are applied once, at the first start, and a database from a newer hub is refused', async () => {
    const store = await openStore();
    await store.ingest([batch([[1, 1, jan10, 1]])]);
    const url = server.url(`store_${databases}`);
    const again = await PostgresStore.open(url, { log, aheadDays: 0 });
    stores.push(again);
    expect((await again.pool.query('SELECT version FROM schema_migrations')).rows).toEqual([{ version: 1 }, { version: 2 }]);
    expect((await again.gateways())[0]!.watermark).toBe(1);
    await again.pool.query('INSERT INTO schema_migrations (version, applied_ms) VALUES (99, 0)');
    await expect(PostgresStore.open(url, { log })).rejects.toThrow(
      new SchemaTooNewError('the database has schema version 99, newer than this davy-hub knows (2); run a newer davy-hub'),
    );
  });
});

describe('PostgreSQL text', () => {
  it('stores names holding NUL, which PostgreSQL text cannot, with U+FFFD in its place, instead of failing the batch at every resend', async () => {
    const store = await openStore();
    const [result] = await store.ingest([
      batch([[1, 1, jan10, 1]], {
        site: 'Mine\u0000 2',
        events: [{ seq: 2, type: 'device.offline', device: 'dev\u0000x', timeMs: jan10, bodyJson: '{"reason":"reply \\u0000 garbled"}' }],
      }),
    ]);
    expect(result).toMatchObject({ stored: 2, rejected: 0 });
    const [event] = await store.events({ limit: 1 });
    expect([event!.device, event!.body]).toEqual(['dev\uFFFDx', { reason: 'reply \u0000 garbled' }]);
    const { rows } = await store.pool.query('SELECT site FROM gateways');
    expect(rows[0].site).toBe('Mine\uFFFD 2');
  });
});
