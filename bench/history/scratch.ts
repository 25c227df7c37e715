import { createLogger, } from '@davy/runtime';
import { TestPostgres } from '@davy/runtime/testing';
import { PostgresStore } from '../../hub/src/store/postgres/postgres-store.js';
import { generateDataset } from './dataset.js';

const server = await TestPostgres.start({ settings: { fsync: 'on', shared_buffers: '1GB', max_wal_size: '8GB', checkpoint_timeout: '30min' } });
try {
  const url = await server.createDatabase('h');
  const ds = await generateDataset(url, { minuteDays: Number(process.argv[2] ?? 2), rawDays: Number(process.argv[3] ?? 1), workers: 2 });
  console.log(JSON.stringify({ ...ds, keys: ds.keys.size }, null, 1));
  const store = await PostgresStore.open(url, { foldIntervalMs: 3_600_000, log: createLogger({ component: 'b', level: 'error' }) });
  const day = ds.queriedDays.at(-1)!;
  const c = await store.pool.connect();
  await c.query("LOAD 'auto_explain'").catch(() => undefined);
  const sizes = await c.query(`SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class WHERE relname IN ('rollup_1h_' || to_char(to_timestamp(${day}/1000) AT TIME ZONE 'UTC', 'YYYYMM'), 'rollup_1m_' || to_char(to_timestamp(${day}/1000) AT TIME ZONE 'UTC', 'YYYYMMDD'), 'samples_' || to_char(to_timestamp(${day}/1000) AT TIME ZONE 'UTC', 'YYYYMMDD'))`);
  console.log(sizes.rows);
  console.log((await c.query(`SELECT pg_size_pretty(pg_database_size(current_database()))`)).rows);
  c.release();
  const orig = store.pool.query.bind(store.pool);
  (store.pool as any).query = async (text: string, params: unknown[]) => {
    const r = await orig(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
    console.log(text, params);
    console.log(r.rows.map((x: any) => x['QUERY PLAN']).join('\n'));
    return orig(text, params);
  };
  for (const d of [day, ds.queriedDays[0]!]) {
    const b = await store.history({ seriesId: 17, fromMs: d, toMs: d + 86_400_000, stepMs: 60_000, agg: 'avg', alignMs: 0 });
    console.log(b.length, b[0], b.at(-1));
  }
  await store.close();
} finally {
  await server.close();
}
