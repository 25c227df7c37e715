/**
 * The QuestDB raw ceiling: the load's rows sent straight into the hub's own samples table (its
 * schema, deduplicated on (ts, series_id, seq)) over ILP with the same client and row writer
 * the hub uses, 100,000 rows a request, from one connection, in a bare loop — no gRPC, no
 * watermark, no metadata tables — until QuestDB has applied them all from its WAL.
 */
import http from 'node:http';
import { Sender } from '@questdb/nodejs-client';
import { createLogger } from '@davy/runtime';
import { QuestDbStore } from '../../hub/src/store/questdb/questdb-store.js';
import { writeSample } from '../../hub/src/store/questdb/ilp-writer.js';
import { walApplied } from '../../hub/src/store/questdb/wal.js';
import { loadRow } from './load-rows.js';

const rowsPerRequest = 100_000;

export async function questDbCeiling(location: string, httpAddress: string, gateways: number, seconds: number): Promise<number> {
  // Opening the store makes its tables, as the hub does.
  const store = await QuestDbStore.open(location, { log: createLogger({ component: 'bench', level: 'error' }) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sender = await Sender.fromConfig(`http::addr=${httpAddress};stdlib_http=on;auto_flush=off;request_timeout=60000;`, { agent });
  try {
    let row = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      for (let i = 0; i < rowsPerRequest; i += 1, row += 1) await writeSample(sender, loadRow(row, gateways));
      await sender.flush();
    }
    await walApplied(store.pool, 600_000);
    return row / ((performance.now() - started) / 1000);
  } finally {
    await sender.close();
    agent.destroy();
    await store.close();
  }
}
