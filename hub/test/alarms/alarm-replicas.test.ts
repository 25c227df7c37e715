/**
 * Alarm rules with two hub replicas on one PostgreSQL database (a private server), a gateway's
 * batches going to either, as over NATS: the replica that leads evaluates both replicas'
 * samples in order — one alarm raised, updated and cleared, not one per replica — and alone
 * sweeps for silence; when it stops, the other takes the lead, takes its open alarms up from
 * the database, and clears them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { TestPostgres } from '@davy/runtime/testing';
import { AlarmEngine } from '../../src/alarms/alarm-engine.js';
import { AlarmStore, type Alarm } from '../../src/alarms/alarm-store.js';
import { PointLocations } from '../../src/alarms/point-locations.js';
import { readRuleTables } from '../../src/alarms/rule-tables.js';
import { openRegistry } from '../../src/registry/open-registry.js';
import type { Registry } from '../../src/registry/registry.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { IngestBatch } from '../../src/store/store.js';
import { TestGateway } from '../api/test-gateway.js';

const methane = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%' };
const key = 'gw-a/ch4-1/ch4';

let server: TestPostgres;
beforeAll(async () => {
  server = await TestPostgres.start();
});
afterAll(() => server?.close());

interface Replica {
  store: PostgresStore;
  registry: Registry;
  alarms: AlarmStore;
  engine: AlarmEngine;
  logLines: string[];
  close(): Promise<void>;
}

let clock = Date.now();

async function replica(url: string): Promise<Replica> {
  const logLines: string[] = [];
  const log = createLogger({ component: 'test', level: 'info', sink: { write: (line) => logLines.push(line) } });
  const store = await PostgresStore.open(url, { log, aheadDays: 0, sharedStored: { retryMs: 50, pollMs: 20 } });
  const registry = await openRegistry({ engine: 'postgres', url }, '/nonexistent', log);
  const alarms = new AlarmStore(registry.db);
  const engine = new AlarmEngine(store, registry, new PointLocations(registry.db), alarms, readRuleTables(), log, () => clock);
  await engine.start({ sweepMs: 0 });
  return {
    store,
    registry,
    alarms,
    engine,
    logLines,
    close: async () => {
      await engine.stop();
      await Promise.all([store.close(), registry.close()]);
    },
  };
}

/** Waits until `read` gives what `expected` matches (the lead polls the queue every 20 ms). */
async function eventually<T>(read: () => Promise<T>, expected: unknown, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    try {
      expect(value).toEqual(expected);
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

const leads = (r: Replica) => r.logLines.filter((line) => line.includes('"alarm.lead_taken"')).length;
const summary = (alarm: Alarm) => [alarm.id, alarm.ruleId, alarm.active, alarm.raisedMs - base, alarm.clearedMs === null ? null : alarm.clearedMs - base, alarm.triggers];
const base = Math.floor(Date.now() / 1_000) * 1_000 - 600_000;

/**
 * Replica a (leading) and b on a new database with a coal mine whose methane sensor is at a
 * working face; `send` has one gateway's batches take turns between them, as over NATS.
 */
async function twoReplicas(database: string) {
  const url = await server.createDatabase(database);
  const a = await replica(url);
  await eventually(async () => leads(a), 1);
  const b = await replica(url);
  await a.registry.createEnterprise({ code: '91350100M000100Y43', name: 'A Coal' });
  const mine = await a.registry.createSite({ enterpriseCode: '91350100M000100Y43', name: 'Mine', kind: 'coal_mine', regionCode: '140105', location: null });
  await a.registry.assignGateway(mine.id, 'gw-a');
  await new PointLocations(a.registry.db).set(key, 'working_face');
  let turn = 0;
  const gateway = new TestGateway({ ingest: (batches: IngestBatch[]) => (turn++ % 2 === 0 ? a : b).store.ingest(batches) }, 'gw-a');
  return {
    a,
    b,
    send: (s: number, value: number) => gateway.send({ samples: [{ point: methane, timeMs: base + s * 1_000, value }] }),
    all: async () => (await b.alarms.list({ state: 'all', limit: 10 })).map(summary),
  };
}

describe('alarm rules with two hub replicas on PostgreSQL', () => {
  it('evaluates both replicas\' samples once, in the replica that leads, which alone sweeps; the other takes over when it stops', async () => {
    const { a, b, send, all } = await twoReplicas('replicas');
    try {

      await send(1, 0.5); // to a
      await send(2, 1.2); // to b
      await send(3, 1.3); // to a
      await send(4, 0.8); // to b
      await eventually(all, [[1, 'ch4-face', false, 2_000, 4_000, 2]]);
      expect(leads(b)).toBe(0);

      // Only the lead sweeps: a gateway silent for two minutes raises one alarm, not two.
      clock = Date.now() + 120_000;
      await b.engine.sweep();
      expect(await all()).toHaveLength(1);
      await a.engine.sweep();
      await b.engine.sweep();
      expect((await all()).map(([id, rule, active]) => [id, rule, active])).toEqual([
        [2, 'gateway-offline', true],
        [1, 'ch4-face', false],
      ]);

      await send(5, 1.4); // to a
      await eventually(async () => (await all())[0], [3, 'ch4-face', true, 5_000, null, 1]);
      await a.close();
      await eventually(async () => leads(b), 1);
      await send(6, 0.7); // to b, the lead now: it took the open alarms up, and clears the methane one
      await eventually(async () => (await all())[0], [3, 'ch4-face', false, 5_000, 6_000, 1]);
      clock = Date.now();
      await b.engine.sweep();
      expect((await all()).map(([id, rule, active]) => [id, rule, active])).toEqual([
        [3, 'ch4-face', false],
        [2, 'gateway-offline', false],
        [1, 'ch4-face', false],
      ]);
    } finally {
      await b.close();
    }
  }, 60_000);

  it('takes again, without a second alarm, the commits a lead had judged but not removed from the queue', async () => {
    const { a, b, send, all } = await twoReplicas('taken_again');
    try {
      await send(1, 0.5);
      await send(2, 1.2);
      await send(3, 0.8);
      await eventually(all, [[1, 'ch4-face', false, 2_000, 3_000, 1]]);
      // As if the lead had been killed before its DELETE committed: every commit is queued again.
      await a.store.pool.query('INSERT INTO stored_queue (commit_id, min_time_ms, max_time_ms) SELECT commit_id, MIN(time_ms), MAX(time_ms) FROM samples GROUP BY commit_id');
      await a.close();
      await eventually(async () => leads(b), 1);
      await eventually(async () => (await b.store.pool.query('SELECT commit_id FROM stored_queue')).rows.length, 0);
      expect(await all()).toEqual([[1, 'ch4-face', false, 2_000, 3_000, 1]]);
    } finally {
      await b.close();
    }
  }, 60_000);

  it('goes on with one lead when the lead\'s connection is cut', async () => {
    const { a, b, send, all } = await twoReplicas('lead_cut');
    try {
      await send(1, 1.1);
      await eventually(all, [[1, 'ch4-face', true, 1_000, null, 1]]);

      // The server ends the session that holds the lead's lock (an administrator, a failover).
      const { rows } = await a.store.pool.query<{ ended: boolean }>(
        "SELECT pg_terminate_backend(pid) AS ended FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = 5 AND granted",
        [0x44617679],
      );
      expect(rows).toEqual([{ ended: true }]);
      await eventually(async () => a.logLines.filter((line) => line.includes('"alarm.lead_lost"')).length, 1);
      // One of them leads again (either may win the race), taking the open alarm up.
      await eventually(async () => leads(a) + leads(b), 2);
      await send(2, 1.2);
      await send(3, 0.9);
      await eventually(all, [[1, 'ch4-face', false, 1_000, 3_000, 2]]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);
});
