import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveApi } from '../../src/api/index.js';
import { openTestApi, type TestApi } from './test-api.js';

describe('serveApi', () => {
  let api: TestApi;

  beforeEach(async () => {
    api = await openTestApi();
  });
  afterEach(() => api.close());

  it('serves on the port it picked, through a real socket, until closed', async () => {
    const served = await serveApi(api.app, { host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${served.port}`;
    try {
      expect(served.port).toBeGreaterThan(0);
      const health = await fetch(`${base}/api/v1/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });

      const denied = await fetch(`${base}/api/v1/gateways`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('content-type')).toBe('application/problem+json');
      expect(denied.headers.get('www-authenticate')).toBe('Bearer realm="davy-hub"');

      const gateways = await fetch(`${base}/api/v1/gateways`, { headers: { Authorization: `Bearer ${api.token}` } });
      expect(gateways.status).toBe(200);
      expect(await gateways.json()).toEqual({ items: [] });

      const bad = await fetch(`${base}/api/v1/series/history?key=x&from=0&to=2026-03-01T00:00:00%2B08:00&step=0`, { headers: { Authorization: `Bearer ${api.token}` } });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ errors: [{ name: 'step', in: 'query' }] });
    } finally {
      await served.close();
    }
    await expect(fetch(`${base}/api/v1/health`)).rejects.toThrow();
  });

  it('rejects when the port is taken', async () => {
    const first = await serveApi(api.app, { host: '127.0.0.1', port: 0 });
    try {
      await expect(serveApi(api.app, { host: '127.0.0.1', port: first.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
