/**
 * PostgreSQL SIGKILLed in the middle of ingest and started again: commits fail while it is
 * down, the same store reconnects by itself once it is back, and a gateway that resends from
 * its last ack (as the agent does) ends with every record stored exactly once — also the
 * records of the commit in flight at the kill, whose outcome the hub never learned — and
 * folded into the rollups exactly once, a fold cut short by the kill included.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, errorMessage, sleep } from '@davy/runtime';
import { TestPostgres } from '@davy/runtime/testing';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { batch } from './store-contract.js';

const perBatch = 50;
const total = 4_000;
const t0 = Date.UTC(2026, 0, 10);

/** The records after `acked`, up to one batch, as the agent would send them. */
function nextBatch(acked: number) {
  const samples: Array<[number, number, number, number]> = [];
  for (let seq = acked + 1; seq <= Math.min(total, acked + perBatch); seq += 1) samples.push([seq, 1, t0 + seq * 1_000, seq]);
  // Every stream defines its series again before using them, as the agent does.
  return batch(samples);
}

describe('PostgreSQL restarted mid-ingest', () => {
  it('fails commits while the server is down, reconnects by itself, and stores every record exactly once', async (context) => {
    const server = await TestPostgres.start();
    context.onTestFinished(() => server.close());
    const logLines: string[] = [];
    // Folding often, so that the kill may also catch a fold under way.
    const store = await PostgresStore.open(server.url(), { foldIntervalMs: 200, log: createLogger({ component: 'test', sink: { write: (line) => logLines.push(line) } }) });
    context.onTestFinished(() => store.close());

    let acked = 0;
    const failures: string[] = [];
    let outage: Promise<void> | undefined;
    const deadline = Date.now() + 20_000;
    while (acked < total && Date.now() < deadline) {
      const commit = store.ingest([nextBatch(acked)]);
      if (!outage && acked >= total / 2) {
        // Killed while this commit is in flight; back a second later, on the same port and data.
        outage = server.kill().then(() => sleep(1_000)).then(() => server.run());
      }
      try {
        const [result] = await commit;
        acked = result!.watermark;
      } catch (error) {
        failures.push(errorMessage(error));
        await sleep(100);
      }
    }
    await outage;

    expect(acked).toBe(total);
    expect(failures.length, 'commits failed while the server was down').toBeGreaterThan(0);
    const seriesId = (await store.seriesByKey('gw-1/dev/a'))!.id;
    const points = await store.rawPoints({ seriesId, fromMs: 0, toMs: 1e15, limit: total + 10 });
    expect(points.map((point) => point.value)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // What was not folded yet is folded now, each commit once: the rollups count every sample once.
    await store.fold.run();
    const { rows } = await store.pool.query('SELECT (SELECT SUM(count)::int8 FROM rollup_1h) AS counted, (SELECT COUNT(*)::int8 FROM fold_queue) AS pending');
    expect(rows[0]).toEqual({ counted: total, pending: 0 });
    expect((await store.latest({})).map((latest) => latest.value)).toEqual([total]);
    expect((await store.gateways())[0]!.watermark).toBe(total);
  }, 40_000);
});
