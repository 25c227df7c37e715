/**
 * Hub ingest over gRPC into SQLite, points/s, with the load in its own process, next to the raw
 * ceiling: better-sqlite3 storing the same rows into the same schema (the hub's own migrations),
 * the same way — appended to samples_staged, settled into the clustered samples table every
 * 200,000 rows with the same SQL — in bare loops, in the same run. A second ceiling inserts
 * them straight into the clustered table, the layout staging avoids.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { ManagedProcess, repoRoot, tempDir } from '@davy/runtime/testing';
import { migrate } from '../hub/src/store/sqlite/migrations.js';
import { machine, median, printFigures, type Figure } from './support/report.js';

const seconds = 8;
const runs = 3;

async function ingestRun(gateways: number): Promise<number> {
  const { dir, remove } = tempDir('davy-bench-ingest-');
  const hub = ManagedProcess.davy('hub', ['start', '--data', dir, '--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0'], { env: { DAVY_HUB_TOKEN: 'davy_bench' } });
  try {
    const port = (await hub.waitForEvent('grpc.listening')).port as number;
    const load = new ManagedProcess('load', process.execPath, ['--conditions=source', '--import', 'tsx', path.join(repoRoot, 'bench', 'ingest', 'load-generator.ts'), String(port), String(gateways), String(seconds)]);
    const line = await load.waitForLine((text) => text.startsWith('{"stored"'), (seconds + 30) * 1000, 'the load result');
    await load.exited;
    const result = JSON.parse(line) as { stored: number; seconds: number };
    return result.stored / result.seconds;
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
    const series = gateways * 2_000;
    let row = 0;
    let unsettled = 0;
    const transaction = db.transaction((count: number) => {
      for (let i = 0; i < count; i += 1, row += 1) {
        const round = Math.floor(row / series);
        insert.run((row % series) + 1, 1_767_225_600_000 + round * 1000, row + 1, 230 + (row % 100) / 10, 1, 1_767_225_600_000);
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

export async function run(): Promise<Figure[]> {
  console.log(machine());
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
  printFigures(figures);
  return figures;
}
