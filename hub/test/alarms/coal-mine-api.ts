/** A test API with one coal mine, its gateway gw-a assigned to it, on the hub clock `now`. */
import { openTestApi, type TestApi } from '../api/test-api.js';
import { TestGateway } from '../api/test-gateway.js';

export async function openCoalMineApi(now: () => number, options: Parameters<typeof openTestApi>[0] = {}): Promise<{ api: TestApi; gateway: TestGateway }> {
  const api = await openTestApi({ ...options, now });
  await api.registry.createEnterprise({ code: '91350100M000100Y43', name: 'A Coal' });
  const mine = await api.registry.createSite({ enterpriseCode: '91350100M000100Y43', name: 'Mine', kind: 'coal_mine', regionCode: '140105', location: null });
  await api.registry.assignGateway(mine.id, 'gw-a');
  return { api, gateway: new TestGateway(api.store, 'gw-a') };
}
