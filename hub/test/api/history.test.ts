import { Quality } from '@davy/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './test-api.js';
import { TestGateway, type TestSample } from './test-gateway.js';

const methane = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%' };
const energy = { device: 'meter-1', point: 'import', metric: 'active_energy_import', unit: 'kWh' };
const t0 = Date.UTC(2026, 2, 1); // 2026-03-01T00:00:00Z
const s = 1000;
const min = 60_000;

interface Bucket {
  start: string;
  startMs: number;
  value: number | null;
  count: number;
}

interface Point {
  time: string;
  timeMs: number;
  value: number | null;
  quality: string;
}

describe('series history', () => {
  let api: TestApi;
  let gateway: TestGateway;

  const historyUrl = (key: string, query: string) => `/api/v1/series/history?key=${encodeURIComponent(key)}&${query}`;
  const buckets = async (query: string) => (await api.json<{ buckets: Bucket[] }>(historyUrl(gateway.key(methane), query))).buckets;

  beforeAll(async () => {
    api = await openTestApi();
    gateway = new TestGateway(api.store, 'gw-1');
    const at = (timeMs: number, value: number, quality: Quality = Quality.QUALITY_GOOD): TestSample => ({ point: methane, timeMs, value, quality });
    await gateway.send({
      samples: [
        at(t0 - 1, 500), // before from
        at(t0, 10),
        at(t0 + 20 * s, 20, Quality.QUALITY_UNCERTAIN),
        at(t0 + 50 * s, 30),
        at(t0 + 55 * s, 1000, Quality.QUALITY_BAD), // newest of its bucket, but bad: left out, also of last
        // t0 + 1 min: an empty bucket
        at(t0 + 2 * min, 5),
        at(t0 + 2 * min + 30 * s, -5),
        at(t0 + 3 * min + 59_999, 7),
        at(t0 + 4 * min, 99), // at `to`, which is exclusive
      ],
    });
  });
  afterAll(() => api.close());

  const range = `from=${t0}&to=${t0 + 4 * min}&step=1m`;
  const starts = [0, 1, 2, 3].map((i) => ({ start: new Date(t0 + i * min).toISOString(), startMs: t0 + i * min }));

  it.each([
    ['avg', [20, null, 0, 7]],
    ['min', [10, null, -5, 7]],
    ['max', [30, null, 5, 7]],
    ['sum', [60, null, 0, 7]],
    ['count', [3, 0, 2, 1]],
    ['last', [30, null, -5, 7]],
  ] as const)('aggregates %s per bucket over good and uncertain samples, empty buckets included', async (agg, values) => {
    expect(await buckets(`${range}&agg=${agg}`)).toEqual(values.map((value, i) => ({ ...starts[i], value, count: [3, 0, 2, 1][i] })));
  });

  it('defaults to avg and describes the request', async () => {
    const body = await api.json(historyUrl(gateway.key(methane), range));
    expect(body).toEqual({
      key: 'gw-1/ch4-1/ch4',
      metric: 'ch4_concentration',
      unit: '%',
      from: '2026-03-01T00:00:00.000Z',
      fromMs: t0,
      to: '2026-03-01T00:04:00.000Z',
      toMs: t0 + 4 * min,
      stepMs: 60_000,
      agg: 'avg',
      tz: '+00:00',
      buckets: [20, null, 0, 7].map((value, i) => ({ ...starts[i], value, count: [3, 0, 2, 1][i] })),
    });
  });

  it('takes RFC 3339 times with offsets and steps in milliseconds', async () => {
    const query = `from=${encodeURIComponent('2026-03-01T08:00:00+08:00')}&to=${encodeURIComponent('2026-03-01T00:04:00.000Z')}&step=60000`;
    expect((await buckets(query)).map((bucket) => bucket.value)).toEqual([20, null, 0, 7]);
  });

  it('starts the first bucket at the step boundary at or before from, and ends before to', async () => {
    const result = await buckets(`from=${t0 + 30 * s}&to=${t0 + 2 * min + 1}&step=1m&agg=count`);
    expect(result.map((bucket) => [bucket.startMs, bucket.value])).toEqual([
      [t0, 1], // only the sample at +50 s is inside [from, to)
      [t0 + min, 0],
      [t0 + 2 * min, 1],
    ]);
  });

  describe('aligned to a UTC offset', () => {
    const hour = 60 * min;
    beforeAll(async () => {
      await gateway.send({
        samples: [
          { point: energy, timeMs: Date.UTC(2026, 2, 1, 15, 59, 59, 999), value: 1 }, // 23:59:59.999 on 1 March in +08:00
          { point: energy, timeMs: Date.UTC(2026, 2, 1, 16), value: 2 }, // midnight of 2 March in +08:00
        ],
      });
    });
    const days = (tz: string) =>
      api.json<{ tz: string; buckets: Bucket[] }>(historyUrl(gateway.key(energy), `from=${t0}&to=${t0 + 48 * hour}&step=1d&agg=sum${tz}`));

    it('starts 1d buckets at local midnight: 16:00Z for +08:00', async () => {
      const body = await days(`&tz=${encodeURIComponent('+08:00')}`);
      expect(body.tz).toBe('+08:00');
      expect(body.buckets).toEqual([
        { start: '2026-02-28T16:00:00.000Z', startMs: Date.UTC(2026, 1, 28, 16), value: 1, count: 1 },
        { start: '2026-03-01T16:00:00.000Z', startMs: Date.UTC(2026, 2, 1, 16), value: 2, count: 1 },
        { start: '2026-03-02T16:00:00.000Z', startMs: Date.UTC(2026, 2, 2, 16), value: null, count: 0 },
      ]);
    });

    it('accepts the offset with its + unencoded (it arrives as a space)', async () => {
      expect((await days('&tz=+08:00')).buckets.map((bucket) => bucket.start)).toEqual([
        '2026-02-28T16:00:00.000Z',
        '2026-03-01T16:00:00.000Z',
        '2026-03-02T16:00:00.000Z',
      ]);
    });

    it('aligns west of UTC and at UTC', async () => {
      expect((await days('&tz=-05:00')).buckets).toEqual([
        { start: '2026-02-28T05:00:00.000Z', startMs: Date.UTC(2026, 1, 28, 5), value: null, count: 0 },
        { start: '2026-03-01T05:00:00.000Z', startMs: Date.UTC(2026, 2, 1, 5), value: 3, count: 2 },
        { start: '2026-03-02T05:00:00.000Z', startMs: Date.UTC(2026, 2, 2, 5), value: null, count: 0 },
      ]);
      const utc = await days('&tz=Z');
      expect(utc.buckets).toEqual([
        { start: '2026-03-01T00:00:00.000Z', startMs: t0, value: 3, count: 2 },
        { start: '2026-03-02T00:00:00.000Z', startMs: t0 + 24 * hour, value: null, count: 0 },
      ]);
    });

    it('keeps hour buckets on the hour for whole-hour offsets, on the half hour for +05:30', async () => {
      const hours = (tz: string) =>
        api.json<{ buckets: Bucket[] }>(historyUrl(gateway.key(energy), `from=${Date.UTC(2026, 2, 1, 15)}&to=${Date.UTC(2026, 2, 1, 17)}&step=1h&tz=${encodeURIComponent(tz)}`));
      expect((await hours('+08:00')).buckets.map((bucket) => bucket.start)).toEqual(['2026-03-01T15:00:00.000Z', '2026-03-01T16:00:00.000Z']);
      expect((await hours('+05:30')).buckets.map((bucket) => bucket.start)).toEqual([
        '2026-03-01T14:30:00.000Z',
        '2026-03-01T15:30:00.000Z',
        '2026-03-01T16:30:00.000Z',
      ]);
    });
  });

  it('allows exactly 10,000 buckets', async () => {
    expect(await buckets(`from=${t0}&to=${t0 + 10_000 * s}&step=1s`)).toHaveLength(10_000);
    expect((await api.get(historyUrl(gateway.key(methane), `from=${t0}&to=${t0 + 10_000 * s + 1}&step=1s`))).status).toBe(400);
  });
});

describe('raw points', () => {
  let api: TestApi;
  let key: string;
  const flow = { device: 'flow-1', point: 'q', metric: 'gas_flow', unit: 'm3/h' };

  beforeAll(async () => {
    api = await openTestApi();
    const gateway = new TestGateway(api.store, 'gw-1');
    key = gateway.key(flow);
    // 25 points, value i; points 9 and 10 share one time, so they straddle the first page boundary.
    const samples = Array.from({ length: 25 }, (_, i): TestSample => ({ point: flow, timeMs: t0 + (i === 10 ? 9 : i) * s, value: i }));
    samples[20]!.quality = Quality.QUALITY_BAD;
    await gateway.send({ samples: samples.slice(0, 12) });
    await gateway.send({ samples: samples.slice(12) });
  });
  afterAll(() => api.close());

  async function pages(limit: number, range = `from=${t0}&to=${t0 + 60 * s}`): Promise<Array<{ points: Point[]; nextCursor: string | null }>> {
    const result: Array<{ points: Point[]; nextCursor: string | null }> = [];
    let cursor: string | null = null;
    do {
      const page: { points: Point[]; nextCursor: string | null } = await api.json(
        `/api/v1/series/history?key=${encodeURIComponent(key)}&${range}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      result.push(page);
      cursor = page.nextCursor;
    } while (cursor !== null && result.length < 10);
    return result;
  }

  it('pages 25 points by 10 as 10, 10 and 5, each once, in time order', async () => {
    const result = await pages(10);
    expect(result.map((page) => page.points.length)).toEqual([10, 10, 5]);
    expect(result.map((page) => page.nextCursor === null)).toEqual([false, false, true]);
    const points = result.flatMap((page) => page.points);
    expect(points.map((point) => (point.quality === 'bad' ? 20 : point.value))).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('returns both samples of one time across a page boundary', async () => {
    const [first, second] = await pages(10);
    expect(first!.points.at(-1)).toEqual({ time: '2026-03-01T00:00:09.000Z', timeMs: t0 + 9 * s, value: 9, quality: 'good' });
    expect(second!.points[0]).toEqual({ time: '2026-03-01T00:00:09.000Z', timeMs: t0 + 9 * s, value: 10, quality: 'good' });
  });

  it('gives bad points with a null value', async () => {
    const points = (await pages(25)).flatMap((page) => page.points);
    expect(points[20]).toEqual({ time: '2026-03-01T00:00:20.000Z', timeMs: t0 + 20 * s, value: null, quality: 'bad' });
  });

  it('ends without an empty page when the last page is full', async () => {
    expect((await pages(5)).map((page) => page.points.length)).toEqual([5, 5, 5, 5, 5]);
  });

  it('defaults to 1000 points per page and keeps to [from, to)', async () => {
    const [page] = await pages(1000, `from=${t0 + 5 * s}&to=${t0 + 8 * s}`);
    expect(page!.points.map((point) => point.value)).toEqual([5, 6, 7]);
    const whole = await api.json<{ points: Point[]; nextCursor: string | null; from: string; toMs: number }>(
      `/api/v1/series/history?key=${encodeURIComponent(key)}&from=${t0}&to=${t0 + 60 * s}`,
    );
    expect(whole.points).toHaveLength(25);
    expect(whole.nextCursor).toBeNull();
    expect(whole.from).toBe('2026-03-01T00:00:00.000Z');
    expect(whole.toMs).toBe(t0 + 60 * s);
  });
});
