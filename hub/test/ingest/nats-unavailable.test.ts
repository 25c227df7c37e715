/**
 * davy-hub with --transport nats started before its NATS server: each failed attempt is one log
 * line naming the servers and the cause, the hub keeps trying while its API serves, and once
 * the server is up it sets up the stream and consumes.
 */
import { describe, expect, it } from 'vitest';
import { ManagedProcess, tempDir, TestNats } from '@davy/runtime/testing';

describe('davy-hub with NATS not reachable yet', () => {
  it('logs the servers and the cause, retries, serves its API meanwhile, and consumes once NATS is up', async (context) => {
    const nats = await TestNats.start();
    context.onTestFinished(() => nats.close());
    await nats.kill();
    const data = tempDir('davy-hub-');
    context.onTestFinished(data.remove);
    const hub = ManagedProcess.davy('hub', ['start', '--data', data.dir, '--http', '127.0.0.1:0', '--transport', 'nats', '--nats', nats.url], { env: { DAVY_HUB_TOKEN: 'davy_nats_unavailable_test' } });
    context.onTestFinished(() => hub.stop());

    const unavailable = await hub.waitForEvent('nats.unavailable');
    expect(unavailable).toMatchObject({ level: 'warn', servers: nats.url, error: 'connection refused', retryInMs: expect.any(Number) });
    await hub.waitForEvent('nats.unavailable', 15_000, (event) => event.time !== unavailable.time);
    expect(hub.running).toBe(true);
    // Without gRPC, the hub does not listen for it; the API answers meanwhile.
    expect(hub.events().some((event) => event.event === 'grpc.listening')).toBe(false);
    const { port } = await hub.waitForEvent('http.listening');
    const health = await fetch(`http://127.0.0.1:${port as number}/api/v1/health`);
    expect(health.status).toBe(200);

    await nats.run();
    expect(await hub.waitForEvent('nats.consuming', 40_000)).toMatchObject({ servers: [nats.url], stream: 'DAVY_TELEMETRY', consumer: 'davy-hub' });
  }, 60_000);
});
