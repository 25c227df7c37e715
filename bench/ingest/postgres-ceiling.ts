/**
 * The PostgreSQL raw ceiling: the load's rows COPYed straight into the hub's own tables (its
 * migrations, its day partitions, its indexes, the same COPY the hub uses), 100,000 rows a
 * transaction made as the stream takes them, from one connection, in a bare loop — no gRPC,
 * no watermark, no fold.
 */
import { createLogger } from '@davy/runtime';
import type { SampleRow } from '../../hub/src/store/batch-records.js';
import { PostgresStore } from '../../hub/src/store/postgres/postgres-store.js';
import { copySamples } from '../../hub/src/store/postgres/sample-copy.js';
import { loadRow, loadStartMs } from './load-rows.js';

const rowsPerTransaction = 100_000;

export async function postgresCeiling(url: string, gateways: number, seconds: number): Promise<number> {
  // Opening the store applies the migrations and makes the partitions, as the hub does.
  const store = await PostgresStore.open(url, { log: createLogger({ component: 'bench', level: 'error' }) });
  await store.partitions.ensure([loadStartMs]);
  const client = await store.pool.connect();
  try {
    let row = 0;
    function* rows(): Generator<SampleRow> {
      for (let i = 0; i < rowsPerTransaction; i += 1, row += 1) yield loadRow(row, gateways);
    }
    const started = performance.now();
    for (let transaction = 1; performance.now() - started < seconds * 1000; transaction += 1) {
      await client.query('BEGIN');
      await copySamples(client, rows(), transaction);
      await client.query('COMMIT');
    }
    return row / ((performance.now() - started) / 1000);
  } finally {
    client.release();
    await store.close();
  }
}
