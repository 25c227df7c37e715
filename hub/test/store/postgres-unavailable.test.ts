/**
 * davy-hub started before its PostgreSQL: each failed attempt is one log line naming the URL
 * without its password and the cause, the hub keeps trying instead of exiting, and once the
 * server is up it opens the store and serves; when the server goes away again the API answers
 * 503 with Retry-After. The password appears in no line of its output.
 */
import { describe, expect, it } from 'vitest';
import { ManagedProcess, tempDir, TestPostgres } from '@davy/runtime/testing';

describe('davy-hub with PostgreSQL not reachable yet', () => {
  it('logs the URL without its password and the cause, retries, and serves once the server is up', async (context) => {
    const server = await TestPostgres.create();
    context.onTestFinished(() => server.close());
    const data = tempDir('davy-hub-');
    context.onTestFinished(data.remove);
    const token = 'davy_unavailable_test';
    // Trust authentication takes any password: the URL carries one only to prove it never shows.
    const hub = ManagedProcess.davy('hub', ['start', '--data', data.dir, '--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0'], {
      env: { DAVY_HUB_STORE: `postgres://postgres:hunter2@127.0.0.1:${server.port}/postgres`, DAVY_HUB_TOKEN: token },
    });
    context.onTestFinished(() => hub.stop());

    const unavailable = await hub.waitForEvent('store.unavailable');
    expect(unavailable).toMatchObject({
      level: 'warn',
      store: `postgres://postgres:***@127.0.0.1:${server.port}/postgres`,
      error: `connect ECONNREFUSED 127.0.0.1:${server.port}`,
      retryInMs: expect.any(Number),
    });
    // It tries again rather than exiting.
    await hub.waitForEvent('store.unavailable', 15_000, (event) => event.time !== unavailable.time);
    expect(hub.running).toBe(true);
    expect(hub.events().some((event) => event.event === 'http.listening')).toBe(false);

    await server.run();
    expect(await hub.waitForEvent('store.opened', 40_000)).toMatchObject({ engine: 'postgres', store: `postgres://postgres:***@127.0.0.1:${server.port}/postgres` });
    const { port } = await hub.waitForEvent('http.listening');
    const response = await fetch(`http://127.0.0.1:${port as number}/api/v1/gateways`, { headers: { authorization: `Bearer ${token}` } });
    expect([response.status, await response.json()]).toEqual([200, { items: [] }]);

    // The database goes away while the hub runs: the API says so with 503 and Retry-After.
    await server.kill();
    const down = await fetch(`http://127.0.0.1:${port as number}/api/v1/gateways`, { headers: { authorization: `Bearer ${token}` } });
    expect([down.status, down.headers.get('retry-after'), ((await down.json()) as { type: string }).type]).toEqual([503, '5', 'urn:davy:problem:unavailable']);
    expect(hub.lines.filter((line) => line.includes('hunter2'))).toEqual([]);
  }, 60_000);
});
