import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const methane = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%' };
const t0 = Date.UTC(2026, 2, 1);

describe('gateways', () => {
  let api: TestApi;
  let nowMs = t0 + 60_000;

  beforeAll(async () => {
    api = await openTestApi({ now: () => nowMs });
    await new TestGateway(api.store, 'gw-a', { enterpriseCode: '91140000MA0AAAAA0A', site: 'Mine A' }).send({ receivedAtMs: t0 + 30_000, sentAtMs: t0 + 31_500 });
    const b = new TestGateway(api.store, 'gw-b', { enterpriseCode: '', site: '' });
    await b.send({ receivedAtMs: t0, samples: [{ point: methane, timeMs: t0, value: 1 }] });
    await b.send({ receivedAtMs: t0 + 29_999, sentAtMs: t0 + 29_000, samples: [{ point: methane, timeMs: t0 + 1, value: 1 }, { point: methane, timeMs: t0 + 2, value: 2 }] });
  });
  afterAll(() => api.close());

  it('lists gateways with watermark, clock skew, and online within 30 s of the last batch', async () => {
    expect(await api.json('/api/v1/gateways')).toEqual({
      items: [
        {
          id: 'gw-a', enterpriseCode: '91140000MA0AAAAA0A', site: 'Mine A', online: true,
          firstSeen: '2026-03-01T00:00:30.000Z', firstSeenMs: t0 + 30_000, lastSeen: '2026-03-01T00:00:30.000Z', lastSeenMs: t0 + 30_000,
          watermark: 0, clockSkewMs: 1500,
        },
        {
          id: 'gw-b', enterpriseCode: null, site: null, online: false,
          firstSeen: '2026-03-01T00:00:00.000Z', firstSeenMs: t0, lastSeen: '2026-03-01T00:00:29.999Z', lastSeenMs: t0 + 29_999,
          watermark: 3, clockSkewMs: -999,
        },
      ],
    });
  });

  it('follows the clock and the window', async () => {
    const online = async () => (await api.json<{ items: Array<{ id: string; online: boolean }> }>('/api/v1/gateways')).items.map((g) => [g.id, g.online]);
    nowMs = t0 + 59_999;
    expect(await online()).toEqual([['gw-a', true], ['gw-b', true]]);
    nowMs = t0 + 60_001;
    expect(await online()).toEqual([['gw-a', false], ['gw-b', false]]);
    const wide = await openTestApi({ now: () => t0 + 600_000, onlineWindowMs: 10 * 60_000 });
    try {
      await new TestGateway(wide.store, 'gw-c').send({ receivedAtMs: t0 + 1 });
      expect((await wide.json<{ items: Array<{ online: boolean }> }>('/api/v1/gateways')).items[0]!.online).toBe(true);
    } finally {
      await wide.close();
    }
  });
});
