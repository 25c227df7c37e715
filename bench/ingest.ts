/**
 * Hub ingest over gRPC, points/s, with the load in its own process, each store next to its raw
 * ceiling measured in the same run:
 * - SQLite: better-sqlite3 storing the same rows into the same schema (the hub's own
 *   migrations), the same way — appended to samples_staged, settled into the clustered samples
 *   table every 200,000 rows with the same SQL — in bare loops. A second ceiling inserts them
 *   straight into the clustered table, the layout staging avoids.
 * - PostgreSQL (a private server, see postgresSettings below): COPY of the same rows straight
 *   into the hub's own tables (ingest/postgres-ceiling.ts). The hub's figure counts the fold
 *   of its samples into rollups and latest values as well (ingest/fold-rate.ts), over gRPC
 *   and through NATS JetStream (a private nats-server; ingest/nats-load-generator.ts).
 * - QuestDB (a private server, commits synced to disk: see questDbSettings below): the same rows
 *   sent over ILP straight into the hub's own samples table (ingest/questdb-ceiling.ts). Both
 *   figures count until QuestDB has applied the rows from its write-ahead log, readable.
 *
 * `pnpm bench ingest` measures every engine; DAVY_BENCH_STORES=sqlite,postgres,questdb picks some.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ManagedProcess, repoRoot, tempDir, TestNats, TestPostgres, TestQuestDb } from '@davy/runtime/testing';
import { walApplied } from '../hub/src/store/questdb/wal.js';
import { migrate } from '../hub/src/store/sqlite/migrations.js';
import { loadRow } from './ingest/load-rows.js';
import { foldRate } from './ingest/fold-rate.js';
import { postgresCeiling } from './ingest/postgres-ceiling.js';
import { questDbCeiling } from './ingest/questdb-ceiling.js';
import { machine, median, printFigures, type Figure } from './support/report.js';

const seconds = 8;
const runs = 3;

/**
 * The hub's points/s under the load of `gateways`; `store` is its --store, default its own
 * SQLite file; `nats`, a NATS server's URL: the load goes through its JetStream, not gRPC.
 * `settle`, when given, waits until the store has made readable what it acked: its time
 * counts as well.
 */
async function ingestRun(gateways: number, store?: string, nats?: string, settle?: () => Promise<void>): Promise<number> {
  const { dir, remove } = tempDir('davy-bench-ingest-');
  const storeArgs = store ? ['--store', store] : [];
  const transportArgs = nats ? ['--transport', 'nats', '--nats', nats] : ['--grpc', '127.0.0.1:0'];
  const hub = ManagedProcess.davy('hub', ['start', '--data', dir, '--http', '127.0.0.1:0', ...transportArgs, ...storeArgs], { env: { DAVY_HUB_TOKEN: 'davy_bench' } });
  try {
    const target = nats ?? String((await hub.waitForEvent('grpc.listening')).port);
    if (nats) await hub.waitForEvent('nats.consuming', 30_000);
    const generator = nats ? 'nats-load-generator.ts' : 'load-generator.ts';
    const load = new ManagedProcess('load', process.execPath, ['--conditions=source', '--import', 'tsx', path.join(repoRoot, 'bench', 'ingest', generator), target, String(gateways), String(seconds)]);
    const line = await load.waitForLine((text) => text.startsWith('{"stored"'), (seconds + 150) * 1000, 'the load result');
    const settleFrom = performance.now();
    await settle?.();
    const settleSeconds = settle ? (performance.now() - settleFrom) / 1000 : 0;
    await load.exited;
    const result = JSON.parse(line) as { stored: number; seconds: number };
    return result.stored / (result.seconds + settleSeconds);
  } finally {
    await hub.stop();
    remove();
  }
}

/** The same rows (series interleaved, one timestamp per round), stored by bare SQL. */
function rawInsert(gateways: number, rowsPerTransaction: number, staged: boolean): number {
  const { dir, remove } = tempDir('davy-bench-raw-');
  const db = new Database(path.join(dir, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('cache_size = -131072');
    migrate(db);
    const table = staged ? 'samples_staged' : 'samples';
    const insert = db.prepare(`INSERT INTO ${table} (series_id, time_ms, seq, value, quality, received_ms) VALUES (?, ?, ?, ?, ?, ?)`);
    const settle = db.transaction(() => {
      db.prepare('INSERT OR IGNORE INTO samples SELECT series_id, time_ms, seq, value, quality, received_ms FROM samples_staged ORDER BY series_id, time_ms, seq').run();
      db.prepare('DELETE FROM samples_staged').run();
    });
    let row = 0;
    let unsettled = 0;
    const transaction = db.transaction((count: number) => {
      for (let i = 0; i < count; i += 1, row += 1) {
        const r = loadRow(row, gateways);
        insert.run(r.seriesId, r.timeMs, r.seq, r.value, r.quality, r.receivedMs);
      }
    });
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      transaction(rowsPerTransaction);
      unsettled += rowsPerTransaction;
      if (staged && unsettled >= 200_000) {
        settle();
        unsettled = 0;
      }
    }
    return row / ((performance.now() - started) / 1000);
  } finally {
    db.close();
    remove();
  }
}

const engines = (process.env.DAVY_BENCH_STORES ?? 'sqlite,postgres,questdb').split(',');

export async function run(): Promise<Figure[]> {
  console.log(machine());
  const figures: Figure[] = [];
  if (engines.includes('sqlite')) figures.push(...(await sqliteFigures()));
  if (engines.includes('postgres')) figures.push(...(await postgresFigures()));
  if (engines.includes('questdb')) figures.push(...(await questDbFigures()));
  printFigures(figures);
  return figures;
}

async function sqliteFigures(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const gateways of [1, 10]) {
    const hub: number[] = [];
    const raw: number[] = [];
    const clustered: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      hub.push(await ingestRun(gateways));
      raw.push(rawInsert(gateways, 10_000, true));
      clustered.push(rawInsert(gateways, 10_000, false));
    }
    const label = `${gateways} gateway${gateways > 1 ? 's' : ''} × 2,000 series`;
    figures.push({ measure: `gRPC → SQLite, ${label}`, value: median(hub), unit: 'points/s', ceiling: median(raw), note: `median of ${runs}; ceiling: the samples' SQL (staged, settled) in a bare loop, 10k-row transactions` });
    figures.push({ measure: `  (bare insert straight into the clustered table)`, value: median(clustered), unit: 'points/s', note: 'the layout staging avoids: one page write per series per commit' });
  }
  return figures;
}

/**
 * The server both the hub and the ceiling write to: durable commits as in production (fsync
 * on, synchronous commit), memory for a hub-sized working set, and checkpoints spaced out so
 * one does not land in one measurement and not the other.
 */
const postgresSettings = { fsync: 'on', shared_buffers: '1GB', max_wal_size: '8GB', checkpoint_timeout: '30min' };

/** One NATS run on a fresh nats-server, so no stream or watermark of an earlier run is left. */
async function natsRun(gateways: number, store: string): Promise<number> {
  const nats = await TestNats.start();
  try {
    return await ingestRun(gateways, store, nats.url);
  } finally {
    await nats.close();
  }
}

async function postgresFigures(): Promise<Figure[]> {
  const server = await TestPostgres.start({ settings: postgresSettings });
  const figures: Figure[] = [];
  let databases = 0;
  try {
    for (const gateways of [1, 10, 100]) {
      const ingest: number[] = [];
      const fold: number[] = [];
      const sustained: number[] = [];
      const copy: number[] = [];
      const natsIngest: number[] = [];
      for (let i = 0; i < runs; i += 1) {
        const url = await server.createDatabase(`bench_${++databases}`);
        ingest.push(await ingestRun(gateways, url));
        natsIngest.push(await natsRun(gateways, await server.createDatabase(`bench_${++databases}`)));
        fold.push(await foldRate(url));
        // A second of ingest leaves its samples to fold: together they take 1/ingest + 1/fold seconds.
        sustained.push(1 / (1 / ingest[i]! + 1 / fold[i]!));
        copy.push(await postgresCeiling(await server.createDatabase(`bench_${++databases}`), gateways, seconds));
      }
      figures.push({
        measure: `gRPC → PostgreSQL, ${gateways} gateway${gateways > 1 ? 's' : ''} × 2,000 series`,
        value: median(sustained),
        unit: 'points/s',
        ceiling: median(copy),
        note: `median of ${runs}, ingest and its fold (ingest ${Math.round(median(ingest)).toLocaleString('en-US')}, fold ${Math.round(median(fold)).toLocaleString('en-US')} points/s); ceiling: COPY of the same rows into the same tables`,
      });
      const natsSustained = natsIngest.map((rate, i) => 1 / (1 / rate + 1 / fold[i]!));
      figures.push({
        measure: `NATS JetStream → PostgreSQL, ${gateways} gateway${gateways > 1 ? 's' : ''} × 2,000 series`,
        value: median(natsSustained),
        unit: 'points/s',
        ceiling: median(copy),
        note: `median of ${runs}, ingest (${Math.round(median(natsIngest)).toLocaleString('en-US')} points/s, a fresh nats-server each run, publishers in their own process) and the same fold; ceiling: COPY as above`,
      });
    }
  } finally {
    await server.close();
  }
  return figures;
}

/** Commits synced to disk, as a regulator's data needs: an acked batch survives a power cut. */
const questDbSettings = { 'cairo.commit.mode': 'sync' };

async function questDbFigures(): Promise<Figure[]> {
  const server = await TestQuestDb.start({ settings: questDbSettings, heapMb: 1024 });
  const location = `questdb://127.0.0.1:${server.pgPort}?http=${server.httpPort}`;
  const admin = new pg.Pool({ connectionString: server.pgUrl, max: 1 });
  // QuestDB has one database: every run starts from no tables.
  const empty = () => admin.query('DROP ALL TABLES');
  const figures: Figure[] = [];
  try {
    for (const gateways of [1, 10, 100]) {
      const hub: number[] = [];
      const ceiling: number[] = [];
      for (let i = 0; i < runs; i += 1) {
        await empty();
        hub.push(await ingestRun(gateways, location, undefined, () => walApplied(admin, 600_000)));
        await empty();
        ceiling.push(await questDbCeiling(location, `127.0.0.1:${server.httpPort}`, gateways, seconds));
      }
      figures.push({
        measure: `gRPC → QuestDB, ${gateways} gateway${gateways > 1 ? 's' : ''} × 2,000 series`,
        value: median(hub),
        unit: 'points/s',
        ceiling: median(ceiling),
        note: `median of ${runs}, until applied from the WAL, commits synced; ceiling: ILP of the same rows into the same table, 100k rows a request`,
      });
    }
  } finally {
    await admin.end();
    await server.close();
  }
  return figures;
}
