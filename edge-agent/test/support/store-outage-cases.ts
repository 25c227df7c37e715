/**
 * The guarantee on a store engine that runs as a server: nothing lost, nothing doubled. As in
 * exactly-once.test.ts, a simulated register counts its own reads and the agent polls it at
 * 10 Hz, but the hub stores into a server of the test's own, and what breaks is the hub
 * (SIGKILLed, back 5 s later), the agent (SIGKILLed and restarted), or the database server
 * itself (SIGKILLed, back 5 s later on the same port and data, the hub running on).
 */
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { sleep } from '@davy/runtime';
import { expectExactlyOnce, settle } from './exactly-once-check.js';
import { TestStack } from './stack.js';

const readCounter = path.join(import.meta.dirname, '..', 'fixtures', 'read-counter.yaml');

/** A database server a test started: where the hub finds it, and how to crash and restart it. */
export interface StoreServer {
  location: string;
  kill(): Promise<void>;
  run(): Promise<void>;
  close(): Promise<void>;
}

export function storeOutageCases(engine: string, startServer: () => Promise<StoreServer>, options: { concurrent: boolean }): void {
  const test = options.concurrent ? it.concurrent : it;

  async function startStack(context: TestContext): Promise<{ stack: TestStack; server: StoreServer }> {
    const server = await startServer();
    context.onTestFinished(() => server.close());
    const stack = await TestStack.start({ profile: readCounter, pollInterval: '100ms', uplink: { ackTimeout: '5s' }, store: server.location }, context);
    return { stack, server };
  }

  describe(`exactly once on ${engine}, with real processes`, () => {
    test('the hub is SIGKILLed and restarted 5 s later', async (context) => {
      const { stack } = await startStack(context);
      await sleep(2_000);
      stack.hub!.kill('SIGKILL');
      await stack.hub!.exited;
      await sleep(5_000);
      await stack.startHub();
      await stack.agent!.waitForEvent('uplink.connected', 20_000, (event) => (event.watermark as number) > 0);
      await sleep(1_000);
      const result = await settle(stack);
      expectExactlyOnce(result, 0);
      // The outage was buffered, not skipped: ~5 s at 10 Hz arrived after the restart.
      expect(result.values.length).toBeGreaterThan(70);
    }, 90_000);

    test('the agent is SIGKILLed mid-stream and restarted', async (context) => {
      const { stack } = await startStack(context);
      await sleep(3_000);
      stack.agent!.kill('SIGKILL');
      await stack.agent!.exited;
      await sleep(1_000);
      await stack.startAgent();
      await sleep(3_000);
      // The one read in flight when the agent died may be missing; nothing else.
      expectExactlyOnce(await settle(stack), 1);
    }, 90_000);

    test(`${engine} is SIGKILLed mid-ingest and restarted 5 s later; the hub reconnects by itself`, async (context) => {
      const { stack, server } = await startStack(context);
      await sleep(2_000);
      await server.kill();
      await sleep(5_000);
      await server.run();
      await sleep(3_000);
      const result = await settle(stack);
      expectExactlyOnce(result, 0);
      expect(result.values.length).toBeGreaterThan(70);
      // The same hub process took it all: its commits failed while the server was down, the
      // agent kept its records and sent them again once commits succeeded.
      expect(stack.hub!.running).toBe(true);
      expect(stack.hub!.events().filter((event) => event.event === 'ingest.commit_failed').length).toBeGreaterThan(0);
      expect(stack.agent!.events().filter((event) => event.event === 'uplink.disconnected').length).toBeGreaterThan(0);
    }, 90_000);
  });
}
