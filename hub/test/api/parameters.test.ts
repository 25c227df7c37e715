import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { openTestApi, problemOf, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const methane = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%' };
const key = 'gw-1/ch4-1/ch4';
const history = (query: string) => `/api/v1/series/history?key=${encodeURIComponent(key)}&${query}`;
const eventsCursor = Buffer.from(JSON.stringify({ k: 'events', id: 3 })).toString('base64url');

describe('invalid parameters', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await openTestApi();
    await new TestGateway(api.store, 'gw-1').send({ samples: [{ point: methane, timeMs: 1000, value: 0.4 }] });
  });
  afterAll(() => api.close());

  /** The `errors` of a 400 problem, after checking the rest of its shape. */
  async function errorsOf(url: string): Promise<Array<{ name: string; in: string; detail: string }>> {
    const problem = await problemOf(await api.get(url), 400);
    expect(problem.type).toBe('urn:davy:problem:invalid-parameters');
    expect(problem.title).toBe('Invalid request parameters');
    expect(problem.status).toBe(400);
    expect(problem.instance).toBe(new URL(url, 'http://hub').pathname);
    expect(problem.detail).toBe(problem.errors!.map((error) => `${error.name}: ${error.detail}`).join('; '));
    return problem.errors!;
  }

  const cases: Array<[string, string, Array<{ name: string; detail: string }>]> = [
    ['from after to', history('from=2000&to=1000'), [{ name: 'from', detail: 'must be before to (to is exclusive), got from 1970-01-01T00:00:02.000Z and to 1970-01-01T00:00:01.000Z' }]],
    ['from equal to to', history('from=1000&to=1000'), [{ name: 'from', detail: 'must be before to (to is exclusive), got from 1970-01-01T00:00:01.000Z and to 1970-01-01T00:00:01.000Z' }]],
    ['malformed from', history('from=yesterday&to=1000'), [{ name: 'from', detail: "expected RFC 3339 time or Unix milliseconds (1970 or later), got 'yesterday'" }]],
    ['impossible date', history('from=2026-02-30T00:00:00Z&to=2026-03-02T00:00:00Z'), [{ name: 'from', detail: "expected RFC 3339 time or Unix milliseconds (1970 or later), got '2026-02-30T00:00:00Z'" }]],
    ['time without offset', history('from=0&to=2026-03-01T00:00:00'), [{ name: 'to', detail: "expected RFC 3339 time or Unix milliseconds (1970 or later), got '2026-03-01T00:00:00'" }]],
    ['negative ms', history('from=-5&to=1000'), [{ name: 'from', detail: "expected RFC 3339 time or Unix milliseconds (1970 or later), got '-5'" }]],
    ['unknown agg', history('from=0&to=60000&step=1m&agg=median'), [{ name: 'agg', detail: "must be one of avg, min, max, sum, count, last, got 'median'" }]],
    ['step 0', history('from=0&to=60000&step=0'), [{ name: 'step', detail: "must be at least 1 ms, got '0'" }]],
    ['step 0s', history('from=0&to=60000&step=0s'), [{ name: 'step', detail: "must be at least 1 ms, got '0s'" }]],
    ['malformed step', history('from=0&to=60000&step=fortnight'), [{ name: 'step', detail: "expected a duration such as 10s, 1m, 15m, 1h, 1d or a number of milliseconds, got 'fortnight'" }]],
    ['malformed tz', history('from=0&to=60000&step=1m&tz=Asia/Shanghai'), [{ name: 'tz', detail: "expected a UTC offset such as +08:00, -05:00 or Z, got 'Asia/Shanghai'" }]],
    [
      'too many buckets',
      history('from=2026-03-01T00:00:00Z&to=2026-03-08T00:00:00Z&step=1m'),
      [{ name: 'step', detail: '60000 ms steps from 2026-03-01T00:00:00.000Z to 2026-03-08T00:00:00.000Z make 10080 buckets, more than 10000: narrow the range or widen the step' }],
    ],
    ['limit 0', history('from=0&to=1000&limit=0'), [{ name: 'limit', detail: "must be an integer from 1 to 10000, got '0'" }]],
    ['limit over max', history('from=0&to=1000&limit=10001'), [{ name: 'limit', detail: "must be an integer from 1 to 10000, got '10001'" }]],
    ['limit not a number', history('from=0&to=1000&limit=ten'), [{ name: 'limit', detail: "must be an integer from 1 to 10000, got 'ten'" }]],
    ['events limit over max', '/api/v1/events?limit=1001', [{ name: 'limit', detail: "must be an integer from 1 to 1000, got '1001'" }]],
    ['bad cursor', history('from=0&to=1000&cursor=not-a-cursor'), [{ name: 'cursor', detail: "is not a cursor this route gave out: pass nextCursor of the previous page unchanged, got 'not-a-cursor'" }]],
    [
      'cursor of another route',
      history(`from=0&to=1000&cursor=${eventsCursor}`),
      [{ name: 'cursor', detail: `is not a cursor this route gave out: pass nextCursor of the previous page unchanged, got '${eventsCursor}'` }],
    ],
    ['missing key', '/api/v1/series/history?from=0&to=1000', [{ name: 'key', detail: 'is required' }]],
    ['missing everything', '/api/v1/series/history', [{ name: 'key', detail: 'is required' }, { name: 'from', detail: 'is required' }, { name: 'to', detail: 'is required' }]],
    ['empty key', '/api/v1/series/history?key=&from=0&to=1000', [{ name: 'key', detail: 'must not be empty' }]],
    ['repeated key', `${history('from=0&to=1000')}&key=other`, [{ name: 'key', detail: 'must be given once' }]],
    ['unknown parameter', history('from=0&to=1000&form=1'), [{ name: 'form', detail: 'is not a parameter of this route' }]],
    ['agg without step', history('from=0&to=1000&agg=max'), [{ name: 'agg', detail: 'aggregates buckets: give step too' }]],
    ['tz without step', history('from=0&to=1000&tz=Z'), [{ name: 'tz', detail: 'aligns buckets: give step too' }]],
    ['limit with step', history('from=0&to=60000&step=1m&limit=5'), [{ name: 'limit', detail: 'pages raw points: leave it out when giving step' }]],
    ['events from after to', '/api/v1/events?from=5000&to=5000', [{ name: 'from', detail: 'must be before to (to is exclusive), got from 1970-01-01T00:00:05.000Z and to 1970-01-01T00:00:05.000Z' }]],
    ['empty series filter', '/api/v1/series?gateway=', [{ name: 'gateway', detail: 'must not be empty' }]],
    ['latest unknown parameter', '/api/v1/series/latest?gateways=gw-1', [{ name: 'gateways', detail: 'is not a parameter of this route' }]],
  ];

  it.each(cases)('%s → 400 naming the parameter', async (_, url, expected) => {
    expect(await errorsOf(url)).toEqual(expected.map((error) => ({ ...error, in: 'query' })));
  });

  it('names every bad parameter of one request', async () => {
    const errors = await errorsOf(history('from=yesterday&to=tomorrow&step=0&agg=median&limit=0&cursor=x'));
    expect(errors.map((error) => error.name)).toEqual(['from', 'to', 'step', 'agg', 'limit', 'cursor']);
  });

  it('answers 404 for an unknown series key', async () => {
    expect(await problemOf(await api.get('/api/v1/series/history?key=gw-1/ch4-1/nope&from=0&to=1000'), 404)).toEqual({
      type: 'urn:davy:problem:not-found',
      title: 'Not found',
      status: 404,
      detail: "no series has the key 'gw-1/ch4-1/nope'",
      instance: '/api/v1/series/history',
    });
  });
});

describe('a failing store', () => {
  it('answers 500 without the cause, and logs it', async () => {
    const failing = (store: Store): Store =>
      Object.assign(Object.create(store) as Store, {
        gateways: () => Promise.reject(new Error('SQLITE_IOERR: disk I/O error in /var/lib/davy/hub.db')),
      });
    const api = await openTestApi({ wrapStore: failing });
    try {
      const problem = await problemOf(await api.get('/api/v1/gateways'), 500);
      expect(problem).toEqual({
        type: 'urn:davy:problem:internal-error',
        title: 'Internal server error',
        status: 500,
        detail: 'the hub could not answer this request; the cause is in its log',
        instance: '/api/v1/gateways',
      });
      const logged = api.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.event === 'api.request_failed');
      expect(logged).toMatchObject({ level: 'error', method: 'GET', path: '/api/v1/gateways', error: 'SQLITE_IOERR: disk I/O error in /var/lib/davy/hub.db' });
      expect((await api.get('/api/v1/series')).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
