/**
 * Requests wrong at the HTTP level get a problem, never a 500 (each case was a 500 that
 * Schemathesis found): a method a route does not take (405 with Allow), a body that is not
 * JSON (415), and an empty time next to a valid one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, problemOf, type TestApi } from './test-api.js';

let api: TestApi;
beforeAll(async () => {
  api = await openTestApi();
});
afterAll(() => api.close());

const authorization = () => ({ Authorization: `Bearer ${api.token}` });

describe('protocol errors', () => {
  it('answers a method a route does not take with 405 and the methods it takes', async () => {
    const response = await api.app.request('/api/v1/sites', { method: 'DELETE', headers: authorization() });
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await problemOf(response, 405)).detail).toBe('/api/v1/sites takes GET, HEAD, POST, not DELETE');
    expect((await problemOf(await api.app.request('/api/v1/sites/7', { method: 'PATCH', headers: authorization() }), 405)).detail).toBe('/api/v1/sites/7 takes GET, HEAD, not PATCH');
  });

  it('answers a body that is not JSON with 415', async () => {
    const response = await api.app.request('/api/v1/enterprises', { method: 'POST', body: 'code=1', headers: { ...authorization(), 'Content-Type': 'text/plain' } });
    expect((await problemOf(response, 415)).detail).toBe('the body is text/plain: send a JSON object with Content-Type: application/json');
  });

  it('names an empty time as the bad parameter, beside a valid one', async () => {
    const events = await problemOf(await api.get('/api/v1/events?from=2026-03-01T00:00:00Z&to='), 400);
    expect(events.errors!.map((e) => e.name)).toEqual(['to']);
    const history = await problemOf(await api.get('/api/v1/series/history?key=a&from=2026-03-01T00:00:00Z&to=&tz=%2B08:00'), 400);
    expect(history.errors!.map((e) => e.name)).toEqual(['to']);
  });
});
