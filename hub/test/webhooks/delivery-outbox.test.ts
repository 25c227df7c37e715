/**
 * The webhook outbox on both registry databases — a SQLite file and a PostgreSQL database (a
 * private server) — with the same SQL: a delivery is kept in the alarm change's transaction or
 * not at all, and two hub replicas on one database send it once between them, signed.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { waitFor } from '@davy/runtime/testing';
import { AlarmStore, type AlarmPoint } from '../../src/alarms/alarm-store.js';
import { readRuleTables } from '../../src/alarms/rule-tables.js';
import { openRegistry } from '../../src/registry/open-registry.js';
import type { StoreLocation } from '../../src/store/store-location.js';
import { startWebhooks } from '../../src/webhooks/index.js';
import { onBothRegistries, type RegistryLocation } from '../registry/both-registries.js';
import { TestReceiver } from './test-receiver.js';

const log = createLogger({ component: 'test', level: 'error' });
const series: AlarmPoint = { subject: 'series', subjectKey: 'gw-1/ch4-1/ch4', seriesKey: 'gw-1/ch4-1/ch4', gatewayId: 'gw-1', device: 'ch4-1', metric: 'ch4_concentration', location: 'working_face' };
const [table] = readRuleTables();
const rule = table!.rules[0]!;

/** A hub replica's alarm store and webhooks on the registry database at `location`. */
async function replica(location: StoreLocation, dataDir: string) {
  const registry = await openRegistry(location, dataDir, log);
  const alarms = new AlarmStore(registry.db);
  const webhooks = await startWebhooks({ db: registry.db, alarms, log, allowPrivate: true, timings: { retry: { initialMs: 100, maxMs: 1_000 } } });
  return {
    registry,
    alarms,
    webhooks,
    close: async () => {
      await webhooks.close();
      await registry.close();
    },
  };
}

function outboxContract(engine: string, location: RegistryLocation): void {
  describe(`webhook outbox on ${engine}`, () => {
    it('keeps no delivery of a change whose transaction failed', async () => {
      const { store, dataDir } = await location();
      const hub = await replica(store, dataDir);
      await hub.webhooks.subscriptions.create({ url: 'http://127.0.0.1:9/never' }, 'admin');
      // The webhook outbox records, then a recorder after it fails: the change's transaction is rolled back, the delivery with it.
      const doomed = new AlarmStore(hub.registry.db);
      doomed.addRecorder({ record: (tx, change) => hub.webhooks.outbox.append(tx, change), committed: () => undefined });
      doomed.addRecorder({ record: () => Promise.reject(new Error('the disk is full')), committed: () => undefined });
      await expect(doomed.apply(undefined, series, table!, rule, { kind: 'raised', severity: 'major', value: 1.2, timeMs: 1_000 })).rejects.toThrow('the disk is full');
      expect(await hub.alarms.list({ state: 'all', limit: 10 })).toEqual([]);
      expect(await hub.webhooks.outbox.recent(1, 10)).toEqual([]);
      await hub.close();
    });

    it('removes settled deliveries after their days, never a pending one', async () => {
      const { store, dataDir } = await location();
      const hub = await replica(store, dataDir);
      await hub.webhooks.dispatcher.close(); // nothing is sent: the test settles deliveries itself
      await hub.webhooks.subscriptions.create({ url: 'http://127.0.0.1:9/never' }, 'admin');
      const raised = await hub.alarms.apply(undefined, series, table!, rule, { kind: 'raised', severity: 'major', value: 1.2, timeMs: 1_000 });
      await hub.alarms.apply(raised, series, table!, rule, { kind: 'cleared', value: 0.8, timeMs: 2_000 });
      const [first] = await hub.webhooks.outbox.heads();
      await hub.webhooks.outbox.delivered(first!.seq, 1, 10_000);
      const [second] = await hub.webhooks.outbox.heads();
      await hub.webhooks.outbox.failed(second!.seq, 9, 'HTTP 500', 20_000);
      await hub.alarms.acknowledge(raised!.id, 'admin', 'seen', 3_000);
      // Settled at 10 s and 20 s; the acknowledgement is pending.
      expect(await hub.webhooks.outbox.prune(10_000)).toBe(0);
      expect(await hub.webhooks.outbox.prune(20_000)).toBe(1);
      expect(await hub.webhooks.outbox.prune(Number.MAX_SAFE_INTEGER)).toBe(1);
      expect((await hub.webhooks.outbox.recent(1, 10)).map((d) => [d.event, d.state])).toEqual([['alarm.acknowledged', 'pending']]);
      await hub.close();
    });

    it('sends a delivery once between two replicas, signed, and settles it', async () => {
      const { store, dataDir } = await location();
      const [a, b] = [await replica(store, dataDir), await replica(store, dataDir)];
      const receiver = await TestReceiver.start();
      const { webhook, secret } = await a.webhooks.subscriptions.create({ url: receiver.url }, 'admin');
      const raised = await a.alarms.apply(undefined, series, table!, rule, { kind: 'raised', severity: 'major', value: 1.2, timeMs: 1_000 });
      // A woke on its commit; B looks at once too, as its poll would: one of them claims the delivery.
      b.webhooks.dispatcher.wake();
      const [request] = await receiver.waitForRequests(1);
      const [delivery] = await waitFor(async () => {
        const items = await b.webhooks.outbox.recent(webhook.id, 10);
        return items[0]?.state === 'delivered' && items;
      }, { what: 'the delivery settled', intervalMs: 20 });
      expect(delivery).toMatchObject({ webhookId: webhook.id, event: 'alarm.raised', alarmId: raised!.id, state: 'delivered', attempts: 1, lastError: null, nextAttemptMs: null });
      expect(JSON.parse(request!.body)).toEqual({ id: delivery!.id, event: 'alarm.raised', time: '1970-01-01T00:00:01.000Z', alarm: raised });
      expect(request!.headers['davy-signature']).toBe(`hmac-sm3=${createHmac('sm3', secret).update(`${String(request!.headers['davy-timestamp'])}.${request!.body}`).digest('hex')}`);
      // Both looked; a second request would have come within the attempt's time.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.received).toHaveLength(1);
      await Promise.all([a.close(), b.close()]);
      await receiver.close();
    });
  });
}

onBothRegistries('webhooks', outboxContract);
