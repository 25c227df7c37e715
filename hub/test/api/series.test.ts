import { Quality } from '@davy/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const methane = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%' };
const methane2 = { device: 'ch4-2', point: 'ch4', metric: 'ch4_concentration', unit: '%' };
const energy = { device: 'meter-1', point: 'import', metric: 'active_energy_import', unit: 'kWh' };
const t0 = Date.UTC(2026, 2, 1);

describe('series and latest values', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await openTestApi();
    const mine = new TestGateway(api.store, 'gw-mine');
    const plant = new TestGateway(api.store, 'gw-plant');
    await mine.send({
      receivedAtMs: t0 + 10_000,
      samples: [
        { point: methane, timeMs: t0 + 2000, value: 0.52 },
        { point: methane, timeMs: t0 + 1000, value: 0.51 },
        { point: methane2, timeMs: t0 + 1000, value: 0.3, quality: Quality.QUALITY_UNCERTAIN },
      ],
    });
    // Arrives later but is older than the newest methane sample: latest must not go back in time.
    await mine.send({ receivedAtMs: t0 + 20_000, samples: [{ point: methane, timeMs: t0 + 1500, value: 0.9 }, { point: methane2, timeMs: t0 + 3000, value: 0, quality: Quality.QUALITY_BAD }] });
    await plant.send({ receivedAtMs: t0 + 30_000, samples: [{ point: energy, timeMs: t0 + 4000, value: 1234.5 }] });
  });
  afterAll(() => api.close());

  const keys = async (url: string) => (await api.json<{ items: Array<{ key: string }> }>(url)).items.map((item) => item.key);

  it('lists every series with its identity', async () => {
    const body = await api.json<{ items: unknown[] }>('/api/v1/series');
    expect(body.items).toEqual([
      { key: 'gw-mine/ch4-1/ch4', gateway: 'gw-mine', device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%', intervalMs: 1000 },
      { key: 'gw-mine/ch4-2/ch4', gateway: 'gw-mine', device: 'ch4-2', point: 'ch4', metric: 'ch4_concentration', unit: '%', intervalMs: 1000 },
      { key: 'gw-plant/meter-1/import', gateway: 'gw-plant', device: 'meter-1', point: 'import', metric: 'active_energy_import', unit: 'kWh', intervalMs: 1000 },
    ]);
  });

  it('filters series by gateway, metric and device', async () => {
    expect(await keys('/api/v1/series?gateway=gw-plant')).toEqual(['gw-plant/meter-1/import']);
    expect(await keys('/api/v1/series?metric=ch4_concentration')).toEqual(['gw-mine/ch4-1/ch4', 'gw-mine/ch4-2/ch4']);
    expect(await keys('/api/v1/series?device=ch4-2')).toEqual(['gw-mine/ch4-2/ch4']);
    expect(await keys('/api/v1/series?gateway=gw-mine&metric=active_energy_import')).toEqual([]);
    expect(await keys('/api/v1/series?gateway=gw-nowhere')).toEqual([]);
  });

  it('gives the newest value of each series by source time, with its quality and receive time', async () => {
    const body = await api.json<{ items: unknown[] }>('/api/v1/series/latest');
    expect(body.items).toEqual([
      {
        key: 'gw-mine/ch4-1/ch4', gateway: 'gw-mine', device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%', intervalMs: 1000,
        time: '2026-03-01T00:00:02.000Z', timeMs: t0 + 2000, value: 0.52, quality: 'good',
        receivedAt: '2026-03-01T00:00:10.000Z', receivedAtMs: t0 + 10_000,
      },
      {
        key: 'gw-mine/ch4-2/ch4', gateway: 'gw-mine', device: 'ch4-2', point: 'ch4', metric: 'ch4_concentration', unit: '%', intervalMs: 1000,
        time: '2026-03-01T00:00:03.000Z', timeMs: t0 + 3000, value: null, quality: 'bad',
        receivedAt: '2026-03-01T00:00:20.000Z', receivedAtMs: t0 + 20_000,
      },
      {
        key: 'gw-plant/meter-1/import', gateway: 'gw-plant', device: 'meter-1', point: 'import', metric: 'active_energy_import', unit: 'kWh', intervalMs: 1000,
        time: '2026-03-01T00:00:04.000Z', timeMs: t0 + 4000, value: 1234.5, quality: 'good',
        receivedAt: '2026-03-01T00:00:30.000Z', receivedAtMs: t0 + 30_000,
      },
    ]);
  });

  it('filters latest values like series', async () => {
    expect(await keys('/api/v1/series/latest?metric=active_energy_import')).toEqual(['gw-plant/meter-1/import']);
    expect(await keys('/api/v1/series/latest?gateway=gw-mine')).toEqual(['gw-mine/ch4-1/ch4', 'gw-mine/ch4-2/ch4']);
    expect(await keys('/api/v1/series/latest?gateway=gw-mine&device=ch4-1')).toEqual(['gw-mine/ch4-1/ch4']);
  });
});
