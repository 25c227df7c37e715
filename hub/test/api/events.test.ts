import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const t0 = Date.UTC(2026, 2, 1);

interface EventItem {
  id: number;
  gateway: string;
  device: string | null;
  type: string;
  timeMs: number;
  body: Record<string, unknown>;
}

interface EventPage {
  items: EventItem[];
  nextCursor: string | null;
}

describe('events', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await openTestApi();
    const mine = new TestGateway(api.store, 'gw-mine');
    const plant = new TestGateway(api.store, 'gw-plant');
    for (let i = 0; i < 6; i += 1) {
      await mine.send({
        receivedAtMs: t0 + i * 1000 + 500,
        events: [{ type: i % 2 === 0 ? 'device.offline' : 'device.online', device: `dev-${i % 3}`, timeMs: t0 + i * 1000, body: { n: i } }],
      });
    }
    await plant.send({ receivedAtMs: t0 + 10_000, events: [{ type: 'device.offline', timeMs: t0 + 9000 }] });
  });
  afterAll(() => api.close());

  async function all(query: string, limit: number): Promise<EventPage[]> {
    const pages: EventPage[] = [];
    let cursor: string | null = null;
    do {
      const page: EventPage = await api.json(`/api/v1/events?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor !== null && pages.length < 10);
    return pages;
  }

  it('returns events newest first, with their details', async () => {
    const page: EventPage = await api.json('/api/v1/events');
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(7);
    expect(page.items[0]).toEqual({
      id: page.items[0]!.id,
      gateway: 'gw-plant',
      device: null,
      type: 'device.offline',
      time: '2026-03-01T00:00:09.000Z',
      timeMs: t0 + 9000,
      receivedAt: '2026-03-01T00:00:10.000Z',
      receivedAtMs: t0 + 10_000,
      body: {},
    });
    expect(page.items[1]).toMatchObject({ gateway: 'gw-mine', device: 'dev-2', type: 'device.online', timeMs: t0 + 5000, body: { n: 5 } });
    const ids = page.items.map((item) => item.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('pages 7 events by 3 as 3, 3 and 1, each once', async () => {
    const pages = await all('', 3);
    expect(pages.map((page) => page.items.length)).toEqual([3, 3, 1]);
    expect(pages.map((page) => page.nextCursor === null)).toEqual([false, false, true]);
    const times = pages.flatMap((page) => page.items.map((item) => item.timeMs));
    expect(times).toEqual([9000, 5000, 4000, 3000, 2000, 1000, 0].map((ms) => t0 + ms));
  });

  it('filters by gateway, device, type and time, also across pages', async () => {
    const ns = async (query: string, limit = 2) => (await all(query, limit)).flatMap((page) => page.items.map((item) => item.body.n));
    expect(await ns('&gateway=gw-mine&type=device.offline')).toEqual([4, 2, 0]);
    expect(await ns('&device=dev-1')).toEqual([4, 1]);
    expect(await ns(`&gateway=gw-mine&from=${t0 + 2000}&to=${t0 + 5000}`)).toEqual([4, 3, 2]);
    expect(await ns(`&gateway=gw-mine&from=${encodeURIComponent('2026-03-01T08:00:04+08:00')}`)).toEqual([5, 4]);
    expect(await ns('&type=device.unknown')).toEqual([]);
  });

  it('rejects a raw-points cursor', async () => {
    const cursor = Buffer.from(JSON.stringify({ k: 'points', t: 1, s: 1 })).toString('base64url');
    expect((await api.get(`/api/v1/events?cursor=${cursor}`)).status).toBe(400);
  });
});
