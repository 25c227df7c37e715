import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const methane = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%' };
const co = { device: 'ch4-1', point: 'co', metric: 'co_concentration', unit: 'ppm' };
const scale = { device: 'scale-1', point: 'output', metric: 'coal_output', unit: 't' };
const t0 = Date.UTC(2026, 2, 1);

describe('devices', () => {
  let api: TestApi;
  const nowMs = t0 + 60_000;

  beforeAll(async () => {
    api = await openTestApi({ now: () => nowMs });
    const gateway = new TestGateway(api.store, 'gw-a');
    await gateway.send({
      receivedAtMs: t0 + 50_000,
      samples: [{ point: methane, timeMs: t0, value: 0.3 }, { point: co, timeMs: t0, value: 5 }, { point: scale, timeMs: t0, value: 100 }],
      events: [
        { type: 'device.online', device: 'ch4-1', timeMs: t0 + 1_000, body: { host: '10.0.0.7' } },
        { type: 'device.health', device: 'ch4-1', timeMs: t0 + 20_000, body: { state: 'online', lastGoodReadMs: t0 + 19_000, reads: 120, errors: { timeout: 2 }, lastError: 'no reply reading holding 0-7' } },
        { type: 'device.offline', device: 'ch4-1', timeMs: t0 + 30_000, body: { reason: '3 polls in a row failed: no reply reading holding 0-7' } },
        // Arrives later but happened earlier: changes nothing.
        { type: 'device.online', device: 'ch4-1', timeMs: t0 + 25_000, body: {} },
        { type: 'device.online', device: 'meter-9', timeMs: t0 + 2_000, body: {} },
      ],
    });
    await new TestGateway(api.store, 'gw-old').send({ receivedAtMs: t0, events: [{ type: 'device.online', device: 'pump-1', timeMs: t0, body: {} }] });
  });
  afterAll(() => api.close());

  it('lists every device with its last reported state, and unknown for one never reported', async () => {
    const { items } = await api.json<{ items: Array<Record<string, unknown>> }>('/api/v1/devices');
    expect(items.map((item) => [item.gateway, item.device, item.state, item.series, item.stale])).toEqual([
      ['gw-a', 'ch4-1', 'offline', 2, false],
      ['gw-a', 'meter-9', 'online', 0, false],
      ['gw-a', 'scale-1', 'unknown', 1, false],
      ['gw-old', 'pump-1', 'online', 0, true],
    ]);
    expect(items[0]).toEqual({
      gateway: 'gw-a',
      device: 'ch4-1',
      state: 'offline',
      stateSince: '2026-03-01T00:00:30.000Z',
      stateSinceMs: t0 + 30_000,
      reason: '3 polls in a row failed: no reply reading holding 0-7',
      lastGoodRead: '2026-03-01T00:00:19.000Z',
      lastGoodReadMs: t0 + 19_000,
      reads: 120,
      errors: { timeout: 2 },
      lastError: 'no reply reading holding 0-7',
      reportedAt: '2026-03-01T00:00:30.000Z',
      reportedAtMs: t0 + 30_000,
      stale: false,
      series: 2,
    });
  });

  it('filters by gateway and state', async () => {
    const names = async (query: string) => (await api.json<{ items: Array<{ device: string }> }>(`/api/v1/devices${query}`)).items.map((item) => item.device);
    expect(await names('?state=offline')).toEqual(['ch4-1']);
    expect(await names('?state=unknown')).toEqual(['scale-1']);
    expect(await names('?gateway=gw-old')).toEqual(['pump-1']);
    expect((await api.get('/api/v1/devices?status=online')).status).toBe(400);
  });
});
