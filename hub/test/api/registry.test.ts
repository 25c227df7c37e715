/**
 * The registry routes on a real SQLite store: enterprises by credit code (a wrong check
 * character refused, saying which is right), their sites by division, gateways assigned to
 * sites, and the metric catalog — every refusal an RFC 9457 problem naming the field.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, problemOf, type TestApi } from './test-api.js';

let api: TestApi;
beforeEach(async () => {
  api = await openTestApi();
});
afterEach(() => api.close());

const mine = { code: '91350100M000100Y43', name: 'Example Coal Mining Co.' };
const other = { code: '91110000600037341L', name: 'Other Energy Co.' };

async function created<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (response.status !== 201) throw new Error(`expected 201, got ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

interface SiteBody {
  id: number;
  enterpriseCode: string;
  name: string;
  regionCode: string;
  gateways: string[];
  location: { latitude: number; longitude: number } | null;
}

describe('enterprises', () => {
  it('registers an enterprise by credit code, lists it and reads it, a code in lower case being the same', async () => {
    const body = await created<Record<string, unknown>>(await api.send('POST', '/api/v1/enterprises', { code: mine.code.toLowerCase(), name: ' Example Coal Mining Co. ' }));
    expect(body).toEqual({ code: mine.code, name: mine.name, created: expect.stringMatching(/Z$/), createdMs: expect.any(Number) });
    await created(await api.send('POST', '/api/v1/enterprises', other));
    expect((await api.json<{ items: Array<{ code: string }> }>('/api/v1/enterprises')).items.map((e) => e.code)).toEqual([other.code, mine.code]);
    expect(await api.json(`/api/v1/enterprises/${mine.code.toLowerCase()}`)).toEqual(body);
  });

  it('refuses a code whose check character is wrong, naming the right one, and a code registered already', async () => {
    const wrong = await problemOf(await api.send('POST', '/api/v1/enterprises', { code: '91350203M0001QAY9B', name: 'X' }), 400);
    expect(wrong.errors).toEqual([{ name: 'code', in: 'body', detail: '"91350203M0001QAY9B" fails its check character: the 18th character should be "9", not "B"' }]);
    await created(await api.send('POST', '/api/v1/enterprises', mine));
    const again = await problemOf(await api.send('POST', '/api/v1/enterprises', mine), 409);
    expect([again.type, again.detail]).toEqual(['urn:davy:problem:conflict', `enterprise ${mine.code} is registered already`]);
  });

  it('names every missing, empty or unknown field of the body', async () => {
    const problem = await problemOf(await api.send('POST', '/api/v1/enterprises', { code: mine.code, nickname: 'x' }), 400);
    expect(problem.errors!.map((e) => [e.name, e.in])).toEqual([
      ['name', 'body'],
      ['nickname', 'body'],
    ]);
    expect(problem.errors![1]!.detail).toBe('is not a field of this request body');
    const blank = await problemOf(await api.send('POST', '/api/v1/enterprises', { code: mine.code, name: '   ' }), 400);
    expect(blank.errors).toEqual([{ name: 'name', in: 'body', detail: "is empty; give the enterprise's registered name" }]);
    expect((await problemOf(await api.get(`/api/v1/enterprises/${other.code}`), 404)).detail).toBe(`there is no enterprise ${other.code}`);
  });

  it('answers a body that is not JSON with 400, naming the body', async () => {
    const response = await api.app.request('/api/v1/enterprises', { method: 'POST', body: '{"code": ', headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/json' } });
    expect((await problemOf(response, 400)).errors).toEqual([{ name: 'body', in: 'body', detail: 'Malformed JSON in request body: send a JSON object with Content-Type: application/json' }]);
  });

  it('needs the token to register', async () => {
    await problemOf(await api.send('POST', '/api/v1/enterprises', mine, null), 401);
    expect((await api.json<{ items: unknown[] }>('/api/v1/enterprises')).items).toEqual([]);
  });
});

describe('sites', () => {
  beforeEach(async () => {
    await created(await api.send('POST', '/api/v1/enterprises', mine));
    await created(await api.send('POST', '/api/v1/enterprises', other));
  });

  const site = (name: string, regionCode: string, enterpriseCode = mine.code) => ({ enterpriseCode, name, kind: 'coal_mine', regionCode });

  it('registers sites with their division and place, and lists them by enterprise and by division', async () => {
    const first = await created<SiteBody>(await api.send('POST', '/api/v1/sites', { ...site('No. 2 mine', '140105'), location: { latitude: 37.87, longitude: 112.55 } }));
    expect(first).toMatchObject({ enterpriseCode: mine.code, name: 'No. 2 mine', kind: 'coal_mine', regionCode: '140105', location: { latitude: 37.87, longitude: 112.55 }, gateways: [] });
    await created(await api.send('POST', '/api/v1/sites', site('Datong mine', '140200')));
    await created(await api.send('POST', '/api/v1/sites', { ...site('PV farm', '110101', other.code), kind: 'pv_farm' }));
    const names = async (query: string) => (await api.json<{ items: SiteBody[] }>(`/api/v1/sites${query}`)).items.map((s) => s.name);
    expect(await names('')).toEqual(['No. 2 mine', 'Datong mine', 'PV farm']);
    expect(await names('?region=140000')).toEqual(['No. 2 mine', 'Datong mine']);
    expect(await names('?region=140100')).toEqual(['No. 2 mine']);
    expect(await names(`?enterprise=${other.code}`)).toEqual(['PV farm']);
    expect(await api.json(`/api/v1/sites/${first.id}`)).toEqual(first);
  });

  it('refuses a bad division, an enterprise not registered, a name taken and a kind it does not know', async () => {
    const region = await problemOf(await api.send('POST', '/api/v1/sites', site('A', '990100')), 400);
    expect(region.errors).toEqual([{ name: 'regionCode', in: 'body', detail: 'starts with 99, which is no province-level division (GB/T 2260: 11 Beijing … 14 Shanxi … 82 Macao)' }]);
    const unknown = await problemOf(await api.send('POST', '/api/v1/sites', site('A', '140100', '91350200776049653A')), 400);
    expect(unknown.errors).toEqual([{ name: 'enterpriseCode', in: 'body', detail: 'there is no enterprise 91350200776049653A: register it first (POST /api/v1/enterprises)' }]);
    await created(await api.send('POST', '/api/v1/sites', site('A', '140100')));
    expect((await problemOf(await api.send('POST', '/api/v1/sites', site('A', '140200')), 409)).detail).toBe(`enterprise ${mine.code} has a site named "A" already`);
    const kind = await problemOf(await api.send('POST', '/api/v1/sites', { ...site('B', '140100'), kind: 'castle', location: { latitude: 91, longitude: 0 } }), 400);
    expect(kind.errors!.map((e) => e.name)).toEqual(['kind', 'location.latitude']);
    expect((await problemOf(await api.get('/api/v1/sites?region=14'), 400)).errors).toEqual([
      { name: 'region', in: 'query', detail: 'is not six digits; a division code (GB/T 2260) is six, e.g. 140100 for Taiyuan, Shanxi' },
    ]);
  });

  it('assigns a gateway to a site, and moves it when assigned to another', async () => {
    const a = await created<SiteBody>(await api.send('POST', '/api/v1/sites', site('A', '140100')));
    const b = await created<SiteBody>(await api.send('POST', '/api/v1/sites', site('B', '140200')));
    const put = (id: number, gateway: string) => api.send('PUT', `/api/v1/sites/${id}/gateways/${gateway}`, {});
    expect(((await (await put(a.id, 'gw-2')).json()) as SiteBody).gateways).toEqual(['gw-2']);
    expect(((await (await put(a.id, 'gw-1')).json()) as SiteBody).gateways).toEqual(['gw-1', 'gw-2']);
    expect(((await (await put(b.id, 'gw-2')).json()) as SiteBody).gateways).toEqual(['gw-2']);
    expect((await api.json<SiteBody>(`/api/v1/sites/${a.id}`)).gateways).toEqual(['gw-1']);
    expect((await problemOf(await put(999, 'gw-1'), 404)).detail).toBe('there is no site 999');
    expect((await problemOf(await put(a.id, '-bad'), 400)).errors).toEqual([
      { name: 'gatewayId', in: 'path', detail: 'is not a gateway id: letters, digits, ".", "_" and "-", starting with a letter or digit, at most 128' },
    ]);
    expect((await problemOf(await api.get('/api/v1/sites/abc'), 400)).errors!.map((e) => [e.name, e.in])).toEqual([['id', 'path']]);
    expect((await problemOf(await api.get('/api/v1/sites/999'), 404)).detail).toBe('there is no site 999');
  });
});

describe('metric catalog', () => {
  it('lists every metric of hub/data/metric-catalog.yaml with its version', async () => {
    const catalog = await api.json<{ version: string; items: Array<{ name: string; unit: string; energy: string }> }>('/api/v1/metrics');
    expect(catalog.version).toBe('2026-11-26.2');
    expect(catalog.items.map((m) => m.name)).toEqual([
      'ch4_concentration', 'co_concentration', 'o2_concentration', 'co2_concentration', 'air_velocity', 'temperature', 'dust_concentration',
      'active_energy_import', 'reactive_energy', 'active_power',
      'raw_coal_consumption', 'natural_gas_consumption', 'diesel_consumption', 'heat_consumption', 'steam_consumption',
      'coal_output', 'coal_sales', 'coal_stock', 'pv_generation', 'wind_generation', 'charging_energy', 'charging_sessions',
    ]);
    expect(catalog.items.find((m) => m.name === 'active_energy_import')).toMatchObject({ unit: 'kWh', energy: 'electricity', reading: 'counter' });
    expect(catalog.items.find((m) => m.name === 'coal_stock')).toMatchObject({ unit: 't', reading: 'instant' });
  });
});
