/**
 * How fast the PostgreSQL store folds committed samples into its rollups and `latest`: the
 * fold of everything a benchmark run left queued, timed once the hub has stopped. The fold is
 * part of what ingest costs, so the ingest figure is reported with it (see ingest.ts).
 */
import { createLogger } from '@davy/runtime';
import { PostgresStore } from '../../hub/src/store/postgres/postgres-store.js';

export async function foldRate(url: string): Promise<number> {
  const store = await PostgresStore.open(url, { foldIntervalMs: 3_600_000, log: createLogger({ component: 'bench', level: 'error' }) });
  try {
    let folded = 0;
    const started = performance.now();
    for (let run = 0; run < 100; run += 1) {
      const samples = await store.fold.run();
      if (samples === 0) break;
      folded += samples;
    }
    return folded / ((performance.now() - started) / 1000);
  } finally {
    await store.close();
  }
}
