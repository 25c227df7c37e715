/**
 * The energy report on a fixture month (October 2023, +08:00) for two enterprises, every
 * expected figure worked by hand below from the coefficient tables: A, a coal mine, drew
 * 100,000 kWh, burned 500 t of raw coal and 20,000 m³ of gas and produced 80,000 t; B drew
 * 5,000 kWh across a meter reset and burned 10 t of diesel. Readings before and after the
 * month are left out; scopes hold (404 outside); CSV carries the same figures.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnergyReport } from '../../src/reports/energy-report.js';
import { openTestApi, problemOf, type TestApi } from './test-api.js';
import { TestGateway } from './test-gateway.js';

const enterpriseA = '91350100M000100Y43';
const enterpriseB = '91110000600037341L';
const password = 'Report-2023-x';
/** A local time in China (+08:00), as Unix ms. */
const cst = (text: string) => Date.parse(`${text}:00+08:00`);
const point = (point: string, metric: string, unit: string) => ({ device: 'meter', point, metric, unit });

let api: TestApi;
/** One per gateway: its outbox's sequence numbers go on from batch to batch. */
let gateways: Map<string, TestGateway>;

async function readings(gatewayId: string, series: ReturnType<typeof point>, values: Array<[string, number]>): Promise<void> {
  const gateway = gateways.get(gatewayId) ?? new TestGateway(api.store, gatewayId);
  gateways.set(gatewayId, gateway);
  await gateway.send({ samples: values.map(([time, value]) => ({ point: series, timeMs: cst(time), value })) });
}

beforeEach(async () => {
  api = await openTestApi();
  gateways = new Map();
  await api.registry.createEnterprise({ code: enterpriseA, name: 'A Coal' });
  await api.registry.createEnterprise({ code: enterpriseB, name: 'B Works' });
  const mine = await api.registry.createSite({ enterpriseCode: enterpriseA, name: 'Mine', kind: 'coal_mine', regionCode: '140105', location: null });
  const works = await api.registry.createSite({ enterpriseCode: enterpriseB, name: 'Works', kind: 'industrial_plant', regionCode: '140200', location: null });
  await api.registry.assignGateway(mine.id, 'gw-a');
  await api.registry.assignGateway(works.id, 'gw-b');
  // A: each meter read before, during and after the month.
  await readings('gw-a', point('kwh', 'active_energy_import', 'kWh'), [['2023-09-30T23:00', 50_000], ['2023-10-10T12:00', 90_000], ['2023-10-31T23:00', 150_000], ['2023-11-01T01:00', 151_000]]);
  // No reading before the month: the first in it (not the last of its hour) is where counting starts.
  await readings('gw-a', point('coal', 'raw_coal_consumption', 't'), [['2023-10-01T00:30', 1_000], ['2023-10-01T00:50', 1_010], ['2023-10-31T22:00', 1_500]]);
  await readings('gw-a', point('gas', 'natural_gas_consumption', 'm³'), [['2023-09-29T08:00', 10_000], ['2023-10-15T08:00', 30_000]]);
  await readings('gw-a', point('output', 'coal_output', 't'), [['2023-09-30T12:00', 0], ['2023-10-31T20:00', 80_000]]);
  await readings('gw-a', point('stock', 'coal_stock', 't'), [['2023-10-05T08:00', 3_000], ['2023-10-30T08:00', 2_500], ['2023-11-02T08:00', 9_999]]);
  await readings('gw-a', point('ch4', 'ch4_concentration', '%'), [['2023-10-05T08:00', 0.3]]);
  // B: the electricity meter was replaced on 4 October (8,000 → 0, then counting again).
  await readings('gw-b', point('kwh', 'active_energy_import', 'kWh'), [['2023-09-30T20:00', 5_000], ['2023-10-03T10:00', 8_000], ['2023-10-04T10:00', 1_000], ['2023-10-20T10:00', 2_000]]);
  await readings('gw-b', point('diesel', 'diesel_consumption', 't'), [['2023-09-30T20:00', 100], ['2023-10-20T10:00', 110]]);
});
afterEach(() => api.close());

async function report(query: string, authorization = `Bearer ${api.token}`): Promise<EnergyReport> {
  const response = await api.get(`/api/v1/reports/energy?period=month&at=2023-10&gridYear=2023&gridRegion=north_china&${query}`, authorization);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${response.status}: ${body}`);
  return JSON.parse(body) as EnergyReport;
}

const lines = (r: EnergyReport) => Object.fromEntries(r.energy.map((line) => [line.energy, line]));

describe('energy report', () => {
  it('works out tce and tCO2 of enterprise A by the tables, naming them', async () => {
    const a = await report(`enterprise=${enterpriseA}`);
    const { electricity, raw_coal: coal, natural_gas: gas } = lines(a);
    // Electricity 150,000 − 50,000 = 100,000 kWh; × 0.1229 kgce/kWh = 12,290 kgce = 12.29 tce;
    // equal value 2023 (provisional 0.3000) = 30 tce; × 0.6361 kgCO2/kWh (2023, North China) = 63.61 t.
    expect([electricity!.quantity, electricity!.tce, electricity!.tceEqualValue, electricity!.tco2]).toEqual([100_000, expect.closeTo(12.29, 9), expect.closeTo(30, 9), expect.closeTo(63.61, 9)]);
    // Raw coal 1,500 − 1,000 = 500 t = 500,000 kg × 0.7143 = 357.15 tce;
    // CO2 0.020908 GJ/kg × 0.02618 tC/GJ × 0.93 × 44/12 = 1.8665366 kg/kg → 933.2683 t.
    expect([coal!.quantity, coal!.tce, coal!.tco2]).toEqual([500, expect.closeTo(357.15, 9), expect.closeTo(933.2683, 4)]);
    // Gas 30,000 − 10,000 = 20,000 m³ × 1.33 = 26.6 tce; 0.038931 × 0.0153 × 0.99 × 44/12 = 2.1621888 kg/m³ → 43.2438 t.
    expect([gas!.quantity, gas!.tce, gas!.tco2]).toEqual([20_000, expect.closeTo(26.6, 9), expect.closeTo(43.2438, 4)]);
    // 12.29 + 357.15 + 26.6 = 396.04 tce; with electricity's equal value 396.04 − 12.29 + 30 = 413.75; 63.61 + 933.2683 + 43.2438 = 1,040.1221 t.
    expect(a.totals).toEqual({ tce: expect.closeTo(396.04, 9), tceEqualValue: expect.closeTo(413.75, 9), tco2: expect.closeTo(1040.1221, 4) });
    expect(a.production.map((p) => [p.metric, p.quantity])).toEqual([['coal_output', 80_000], ['coal_stock', 2_500]]);
    expect([a.sites, a.gateways, a.period]).toEqual([1, 1, { kind: 'month', label: '2023-10', fromMs: cst('2023-10-01T00:00'), toMs: cst('2023-11-01T00:00'), utcOffsetMs: 8 * 3_600_000 }]);
    expect(a.sources).toEqual({
      standardCoal: { table: 'GB/T 2589-2020', version: '2026-11-26.2' },
      co2: { table: 'MEE-NBS grid factors; GB/T 32150-2015', version: '2026-11-26.1', gridYear: '2023', gridRegion: 'north_china', kgCo2PerKwh: 0.6361 },
      electricityEqualValue: { year: '2023', kgcePerUnit: 0.3, provisional: true },
      metricCatalog: '2026-11-26.2',
      provisional: ['electricity equal value 2023', 'CO2 factor of raw_coal'],
    });
  });

  it('counts across a meter replacement, and sums a division', async () => {
    const b = await report(`enterprise=${enterpriseB}`);
    // 8,000 − 5,000 = 3,000, then from 0 to 1,000, then 1,000 → 2,000: 5,000 kWh = 0.6145 tce, 3.1805 t.
    // Diesel 10 t = 10,000 kg × 1.4571 = 14.571 tce; 0.042652 × 0.0202 × 0.98 × 44/12 = 3.0959096 kg/kg → 30.9591 t.
    // Total 0.6145 + 14.571 = 15.1855 tce (equal value 15.1855 − 0.6145 + 1.5 = 16.071); 3.1805 + 30.9591 = 34.1396 t.
    expect(b.energy.map((line) => [line.energy, line.quantity])).toEqual([['electricity', 5_000], ['diesel', 10]]);
    expect(b.totals).toEqual({ tce: expect.closeTo(15.1855, 9), tceEqualValue: expect.closeTo(16.071, 9), tco2: expect.closeTo(34.1396, 4) });
    const shanxi = await report('region=140000');
    expect([shanxi.sites, shanxi.totals.tce, shanxi.totals.tco2]).toEqual([2, expect.closeTo(411.2255, 9), expect.closeTo(1074.2617, 4)]);
    const gas = lines(await report(`enterprise=${enterpriseA}&naturalGasKgcePerM3=1.2`)).natural_gas!;
    expect([gas.kgcePerUnit, gas.tce]).toEqual([1.2, expect.closeTo(24, 9)]);
  });

  it('gives the same figures as CSV', async () => {
    const response = await api.get(`/api/v1/reports/energy?enterprise=${enterpriseB}&period=month&at=2023-10&gridYear=2023&gridRegion=north_china&format=csv`, `Bearer ${api.token}`);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const source = 'GB/T 2589-2020 2026-11-26.2; MEE-NBS grid factors; GB/T 32150-2015 2026-11-26.1, grid 2023 north_china 0.6361 kgCO2/kWh';
    expect((await response.text()).split('\r\n')).toEqual([
      'section,metric,energy,quantity,unit,kgce_per_unit,tce,tce_equal_value,tco2,source',
      `energy,active_energy_import,electricity,5000,kWh,0.1229,0.6145,1.5,3.1805,"${source}"`,
      `energy,diesel_consumption,diesel,10,t,1.4571,14.571,,30.9590963733,"${source}"`,
      `total,,,,,,15.1855,16.071,34.1395963733,"${source}"`,
      '',
    ]);
  });

  it("takes an enterprise's measured calorific values for the quantities each covers, hour by hour", async () => {
    // The coal meter read 1,200 t at noon on the 15th: 10 t counted in the first hour, 190 t by the 15th, 300 t after.
    await readings('gw-a', point('coal', 'raw_coal_consumption', 't'), [['2023-10-15T12:00', 1_200]]);
    const admin = `Bearer ${api.token}`;
    const values = `/api/v1/enterprises/${enterpriseA}/calorific-values`;
    // 29,307 × 0.7 = 20,514.9 kJ/kg (0.7 kgce/kg) from September; 29,307 × 0.8 = 23,445.6 (0.8 kgce/kg) from 16 October.
    const september = await api.send('POST', values, { energy: 'raw_coal', validFrom: '2023-09-01T00:00:00+08:00', ncvKjPerUnit: 20_514.9, note: 'Lab report 2023-09-02' }, admin);
    expect(september.status).toBe(201);
    const mid = (await (await api.send('POST', values, { energy: 'raw_coal', validFrom: '2023-10-16T00:00:00+08:00', ncvKjPerUnit: 23_445.6, note: 'Lab report 2023-10-16' }, admin)).json()) as { id: number };
    const listed = (await (await api.get(values, admin)).json()) as { items: Array<Record<string, unknown>> };
    expect(listed.items.map((v) => [v.energy, v.validFrom, v.ncvKjPerUnit, v.unit, v.setBy])).toEqual([
      ['raw_coal', '2023-08-31T16:00:00.000Z', 20_514.9, 'kg', 'hub-token'],
      ['raw_coal', '2023-10-15T16:00:00.000Z', 23_445.6, 'kg', 'hub-token'],
    ]);

    const a = await report(`enterprise=${enterpriseA}`);
    const coal = lines(a).raw_coal!;
    // 200,000 kg × 0.7 = 140 tce and 300,000 kg × 0.8 = 240 tce: 380 tce (the table's 0.7143 would give 357.15).
    // CO2 by each NCV: 0.0205149 GJ/kg × 0.02618 × 0.93 × 44/12 = 1.8314431 kg/kg → 366.2886 t;
    // 0.0234456 × 0.02618 × 0.93 × 44/12 = 2.0930778 kg/kg → 627.9233 t; 994.2120 t in all.
    expect([coal.quantity, coal.kgcePerUnit, coal.tce, coal.tco2]).toEqual([500, 0.7143, expect.closeTo(380, 9), expect.closeTo(994.212, 3)]);
    expect(coal.measured.map((m) => [m.enterpriseCode, m.validFromMs, m.kgcePerUnit, m.quantity, m.note])).toEqual([
      [enterpriseA, cst('2023-09-01T00:00'), expect.closeTo(0.7, 12), 200_000, 'Lab report 2023-09-02'],
      [enterpriseA, cst('2023-10-16T00:00'), expect.closeTo(0.8, 12), 300_000, 'Lab report 2023-10-16'],
    ]);
    const csv = await (await api.get(`/api/v1/reports/energy?enterprise=${enterpriseA}&period=month&at=2023-10&gridYear=2023&gridRegion=north_china&format=csv`, admin)).text();
    expect(csv.split('\r\n').find((row) => row.startsWith('energy,raw_coal_consumption'))).toBe(
      `energy,raw_coal_consumption,raw_coal,500,t,0.7143,380,,994.211957508,"GB/T 2589-2020 2026-11-26.2; MEE-NBS grid factors; GB/T 32150-2015 2026-11-26.1, grid 2023 north_china 0.6361 kgCO2/kWh` +
        `; measured 20514.9 kJ/kg of ${enterpriseA} from 2023-08-31T16:00:00.000Z (Lab report 2023-09-02) for 200000 kg; measured 23445.6 kJ/kg of ${enterpriseA} from 2023-10-15T16:00:00.000Z (Lab report 2023-10-16) for 300000 kg"`,
    );
    // Other fuels and the other enterprise keep the table's values.
    expect(lines(a).natural_gas!.measured).toEqual([]);
    expect((await report(`enterprise=${enterpriseB}`)).totals.tce).toBeCloseTo(15.1855, 9);

    // Deleted, the September value no longer covers the first 200 t: 142.86 + 240 = 382.86 tce.
    expect((await api.send('DELETE', `${values}/${(listed.items[0] as { id: number }).id}`, undefined, admin)).status).toBe(204);
    expect(lines(await report(`enterprise=${enterpriseA}`)).raw_coal!.tce).toBeCloseTo(382.86, 9);
    expect((await problemOf(await api.send('DELETE', `${values}/${(listed.items[0] as { id: number }).id}`, undefined, admin), 404)).detail).toBe(`enterprise ${enterpriseA} has no calorific value 1`);

    const refused = async (body: Record<string, unknown>, status: number) => (await problemOf(await api.send('POST', values, { energy: 'raw_coal', validFrom: '2023-11-01T00:00:00+08:00', ncvKjPerUnit: 20_000, note: 'x', ...body }, admin), status));
    expect((await refused({ energy: 'electricity' }, 400)).errors).toEqual([{ name: 'energy', in: 'body', detail: 'is not a fuel whose calorific value can be measured; the standard-coal table\'s are raw_coal, washed_coal, coke, crude_oil, fuel_oil, gasoline, kerosene, diesel, lpg, natural_gas' }]);
    expect((await refused({ ncvKjPerUnit: 20.9 }, 400)).errors).toEqual([{ name: 'ncvKjPerUnit', in: 'body', detail: '20.9 kJ/kg is outside 1000–100000: give the net calorific value in kJ per kg (raw coal is about 20,908)' }]);
    expect((await refused({ validFrom: '2023-10-16T00:00:00+08:00' }, 409)).detail).toBe(`enterprise ${enterpriseA} has a raw_coal value from that time already: delete it first`);
    expect(mid.id).toBe(2);

    await api.users.createUser({ name: 'ent-a', role: 'enterprise', enterpriseCode: enterpriseA, password }, { mustChangePassword: false });
    await api.users.createUser({ name: 'ent-b', role: 'enterprise', enterpriseCode: enterpriseB, password }, { mustChangePassword: false });
    const login = async (name: string) => `Bearer ${((await (await api.send('POST', '/api/v1/auth/login', { name, password }, null)).json()) as { token: string }).token}`;
    const entA = await login('ent-a');
    expect(((await (await api.get(values, entA)).json()) as { items: unknown[] }).items).toHaveLength(1);
    await problemOf(await api.send('POST', values, { energy: 'raw_coal', validFrom: '2023-12-01T00:00:00+08:00', ncvKjPerUnit: 20_000, note: 'mine' }, entA), 403);
    expect((await problemOf(await api.get(values, await login('ent-b')), 404)).detail).toBe(`there is no enterprise ${enterpriseA}`);
  });

  it('answers 404 outside the caller\'s scope, and names a wrong parameter', async () => {
    await api.users.createUser({ name: 'ent-a', role: 'enterprise', enterpriseCode: enterpriseA, password }, { mustChangePassword: false });
    await api.users.createUser({ name: 'reg-ty', role: 'regulator', regions: ['140100'], password }, { mustChangePassword: false });
    const login = async (name: string) => `Bearer ${((await (await api.send('POST', '/api/v1/auth/login', { name, password }, null)).json()) as { token: string }).token}`;
    const entA = await login('ent-a');
    expect((await report(`enterprise=${enterpriseA}`, entA)).totals.tce).toBeCloseTo(396.04, 9);
    const url = (query: string) => `/api/v1/reports/energy?period=month&at=2023-10&${query}`;
    expect((await problemOf(await api.get(url(`enterprise=${enterpriseB}`), entA), 404)).detail).toBe(`there is no enterprise ${enterpriseB}`);
    const regulator = await login('reg-ty');
    expect((await problemOf(await api.get(url('region=140200'), regulator), 404)).detail).toBe('no site of yours lies in division 140200');
    expect((await report('region=140000', regulator)).sites).toBe(1);
    const admin = `Bearer ${api.token}`;
    expect((await problemOf(await api.get(url('enterprise=x&region=140000'), admin), 400)).errors!.map((e) => e.detail)).toEqual(['give exactly one of enterprise, site and region (given: enterprise, region)']);
    expect((await problemOf(await api.get('/api/v1/reports/energy?period=month&at=2023-13&region=140000', admin), 400)).errors).toEqual([{ name: 'at', in: 'query', detail: 'is not a real month, e.g. 2026-10' }]);
    expect((await problemOf(await api.get(url('region=140000&gridYear=1999'), admin), 400)).errors).toEqual([{ name: 'gridYear', in: 'query', detail: 'has no grid factors; the tables hold 2022, 2023' }]);
    expect((await problemOf(await api.get(url('region=140000&naturalGasKgcePerM3=2'), admin), 400)).errors).toEqual([{ name: 'naturalGasKgcePerM3', in: 'query', detail: 'is outside 1.1–1.33 kgce/m³ (GB/T 2589-2020)' }]);
    // Every report export is in the audit log.
    expect((await api.audit.list({ limit: 50 })).filter((record) => record.action === 'export' && record.target.startsWith('/api/v1/reports/energy')).length).toBeGreaterThan(3);
  });
});
