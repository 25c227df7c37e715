/**
 * The QuestDB store on a real QuestDB server of its own (TestQuestDb): the contract every store
 * keeps (store-contract.ts), and what is QuestDB's own — the state it holds in memory comes
 * back from its tables after a restart, a record timed before 1970 is rejected with a reason
 * instead of failing the batch, a commit half written is mended by its resend, and a server
 * that went away fails commits at once instead of holding the ingest queue.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createLogger } from '@davy/runtime';
import { TestQuestDb } from '@davy/runtime/testing';
import { QuestDbStore, type QuestDbStoreOptions } from '../../src/store/questdb/questdb-store.js';
import { SchemaTooNewError } from '../../src/store/schema-too-new.js';
import { batch, storeContract, values } from './store-contract.js';

const logLines: string[] = [];
const log = createLogger({ component: 'test', sink: { write: (line) => logLines.push(line) } });

let server: TestQuestDb;
beforeAll(async () => {
  server = await TestQuestDb.start();
}, 60_000);
afterAll(() => server?.close());

const stores: QuestDbStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

const location = () => `questdb://127.0.0.1:${server.pgPort}?http=${server.httpPort}`;

/** Runs SQL on the server itself, beside the store. */
async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.pgUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The store on an empty database: QuestDB has one database, so every table is dropped first. */
async function openEmpty(options: QuestDbStoreOptions = {}): Promise<QuestDbStore> {
  await sql('DROP ALL TABLES');
  return open(options);
}

async function open(options: QuestDbStoreOptions = {}): Promise<QuestDbStore> {
  const store = await QuestDbStore.open(location(), { log, ...options });
  stores.push(store);
  return store;
}

storeContract('QuestDB', () => openEmpty());

describe('QuestDB store: its own', () => {
  it('loads gateways, watermarks, series, devices, tokens and event ids again at open, so a new hub process goes on where the last stopped', async () => {
    const first = await openEmpty();
    const event = (seq: number, type: string, timeMs: number) => ({ seq, type, device: 'dev', timeMs, bodyJson: '{"reason":"no reply"}' });
    await first.ingest([batch([[1, 1, 100, 1], [2, 2, 100, 2]], { events: [event(3, 'device.offline', 5_000)] })]);
    await first.replaceTokenDigests([{ label: 'generated', sha256Hex: 'aa' }]);
    const before = { gateways: await first.gateways(), series: await first.series({}), devices: await first.devices({}), events: await first.events({ limit: 10 }) };
    await first.close();
    stores.splice(0);

    const second = await open();
    expect({ gateways: await second.gateways(), series: await second.series({}), devices: await second.devices({}), events: await second.events({ limit: 10 }) }).toEqual(before);
    expect(await second.tokenDigests()).toEqual([{ label: 'generated', sha256Hex: 'aa' }]);
    // The resend of what was stored is a duplicate; new records go on from the watermark, new events get new ids.
    const [result] = await second.ingest([batch([[2, 2, 100, 2], [4, 1, 200, 4]], { series: [], events: [event(5, 'device.online', 6_000)] })]);
    expect(result).toEqual({ watermark: 5, stored: 2, duplicates: 1, rejected: 0, rejections: [] });
    expect(await values(second, 'a')).toEqual([[100, 1], [200, 4]]);
    const events = await second.events({ limit: 10 });
    expect(events.map((e) => e.type)).toEqual(['device.online', 'device.offline']);
    expect(events[0]!.id).toBeGreaterThan(events[1]!.id);
  });

  it('rejects a record timed before 1970, naming why, and stores the rest of its batch', async () => {
    const store = await openEmpty();
    const [result] = await store.ingest([batch([[1, 1, 100, 1], [2, 1, -5_000, 2]], { events: [{ seq: 3, type: 'device.offline', device: 'dev', timeMs: -1, bodyJson: '' }] })]);
    expect(result).toEqual({
      watermark: 3,
      stored: 1,
      duplicates: 0,
      rejected: 2,
      rejections: [
        "record 2: time -5000 ms is before 1970, which QuestDB cannot store: set the gateway's clock (NTP)",
        "record 3: time -1 ms is before 1970, which QuestDB cannot store: set the gateway's clock (NTP)",
      ],
    });
    expect(await values(store, 'a')).toEqual([[100, 1]]);
  });

  it('stores a record written twice by a commit that failed half-way once: the resend lands on the same keys', async () => {
    const store = await openEmpty();
    await store.ingest([batch([[1, 1, 100, 1]])]);
    // Samples of a commit whose watermark never got written (a crash between its steps), as QuestDB holds them.
    await sql("INSERT INTO samples (series_id, ts, seq, value, quality, received_ms) VALUES (1, cast(200000 as timestamp), 2, 2.0, 1, 1000), (2, cast(200000 as timestamp), 3, 3.0, 1, 1000)");
    const [result] = await store.ingest([batch([[2, 1, 200, 2], [3, 2, 200, 3]], { series: [] })]);
    expect(result).toMatchObject({ watermark: 3, stored: 2, duplicates: 0 });
    expect([await values(store, 'a'), await values(store, 'b')]).toEqual([[[100, 1], [200, 2]], [[200, 3]]]);
  });

  it('keeps samples before the newest day out of the store once retention is set (QuestDB TTL)', async () => {
    await openEmpty({ retentionDays: 2 });
    const client = new pg.Client({ connectionString: server.pgUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ ttlValue: number; ttlUnit: string }>("SELECT ttlValue, ttlUnit FROM tables() WHERE table_name = 'samples'");
      expect(rows).toEqual([{ ttlValue: 3, ttlUnit: 'DAY' }]);
    } finally {
      await client.end();
    }
  });

  it('refuses a database set up by a newer davy-hub', async () => {
    await openEmpty();
    await sql("INSERT INTO davy_schema (ts, name, version) VALUES (0, 'tables', 99)");
    await expect(open()).rejects.toThrow(new SchemaTooNewError('the QuestDB database has schema version 99, newer than this davy-hub knows (1); run a newer davy-hub'));
  });

  it('fails a commit at once while QuestDB is down, and commits again once it is back, on the same store', async (context) => {
    const own = await TestQuestDb.start();
    context.onTestFinished(() => own.close());
    const store = await QuestDbStore.open(`questdb://127.0.0.1:${own.pgPort}?http=${own.httpPort}`, { log });
    stores.push(store);
    await store.ingest([batch([[1, 1, 100, 1]])]);
    await own.kill();
    await expect(store.ingest([batch([[2, 1, 200, 2]], { series: [] })])).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${own.httpPort}`);
    await expect(store.rawPoints({ seriesId: 1, fromMs: 0, toMs: 1e12, limit: 10 })).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${own.pgPort}`);
    await own.run();
    expect(await store.ingest([batch([[2, 1, 200, 2]], { series: [] })])).toEqual([{ watermark: 2, stored: 1, duplicates: 0, rejected: 0, rejections: [] }]);
    expect(await values(store, 'a')).toEqual([[100, 1], [200, 2]]);
  }, 60_000);

  it('names the address when QuestDB is not there', async () => {
    await expect(QuestDbStore.open('questdb://127.0.0.1:1?http=1', { log })).rejects.toThrow(/ECONNREFUSED 127\.0\.0\.1:1/);
  });
});
