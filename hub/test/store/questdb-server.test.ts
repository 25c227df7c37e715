/**
 * The QuestDB server the hub's QuestDB store will be built on, as TestQuestDb runs it: over
 * PostgreSQL wire with the `pg` client, a WAL table deduplicated on (ts, series_id) stores a
 * key sent twice once — a resend in a later commit and a duplicate within one INSERT alike,
 * the row sent last winning — once the WAL is applied; SAMPLE BY 1m buckets align to the
 * calendar minute, not to the first row; and after a SIGKILL the server comes back on the same
 * port with every committed row, also one committed just before the kill.
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { TestQuestDb, waitFor } from '@davy/runtime/testing';

// Every value as the server's text, so that what is asserted is what QuestDB answered.
const asText: pg.CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as unknown as pg.CustomTypesConfig['getTypeParser'],
};

async function connect(server: TestQuestDb): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: server.pgUrl, types: asText });
  await client.connect();
  return client;
}

/** Waits until every commit to `table` is applied from its WAL (and the table is not suspended). */
async function walApplied(client: pg.Client, table: string): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await client.query<{ suspended: string; writerTxn: string; sequencerTxn: string }>(
        'SELECT suspended, writerTxn, sequencerTxn FROM wal_tables() WHERE name = $1',
        [table],
      );
      const [row] = rows;
      if (row?.suspended === 'true') throw new Error(`table ${table} is suspended`);
      return row !== undefined && row.writerTxn === row.sequencerTxn;
    },
    { what: `the WAL of ${table} applied`, timeoutMs: 10_000, intervalMs: 50 },
  );
}

async function rows(client: pg.Client): Promise<string[][]> {
  const result = await client.query({ text: 'SELECT series_id, ts, seq, value, quality FROM samples ORDER BY series_id, ts', rowMode: 'array' });
  return result.rows as string[][];
}

const insert = 'INSERT INTO samples (series_id, ts, seq, value, quality) VALUES ';

describe('QuestDB server (TestQuestDb)', () => {
  it('stores a deduplicated WAL table over PG wire, samples it by calendar minute and keeps it across a SIGKILL', async (context) => {
    const server = await TestQuestDb.start();
    context.onTestFinished(() => server.close());
    let client = await connect(server);
    context.onTestFinished(() => client.end().catch(() => undefined));

    await client.query('CREATE TABLE samples (series_id INT, ts TIMESTAMP, seq LONG, value DOUBLE, quality BYTE) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, series_id)');
    // One commit; (1, 00:01:10) twice in it, the later row (value 4.0) wins.
    await client.query(
      `${insert}(1, '2026-01-10T00:00:10.000000Z', 1, 1.5, 0), (1, '2026-01-10T00:00:20.000000Z', 2, 2.5, 0), (1, '2026-01-10T00:01:10.000000Z', 3, 3.0, 0),` +
        ` (1, '2026-01-10T00:01:10.000000Z', 3, 4.0, 0), (2, '2026-01-10T00:00:30.000000Z', 1, 10.0, 1)`,
    );
    // Later commits, with parameters: (1, 00:00:20) resent as it was, and a new row for series 2.
    for (const row of [
      [1, '2026-01-10T00:00:20.000000Z', 2, 2.5, 0],
      [2, '2026-01-10T00:01:30.000000Z', 2, 11.0, 0],
    ]) {
      const result = await client.query(`${insert}($1, $2, $3, $4, $5)`, row);
      expect(result.rowCount).toBe(1);
    }
    await walApplied(client, 'samples');

    const stored = [
      ['1', '2026-01-10 00:00:10.000000', '1', '1.5', '0'],
      ['1', '2026-01-10 00:00:20.000000', '2', '2.5', '0'],
      ['1', '2026-01-10 00:01:10.000000', '3', '4.0', '0'],
      ['2', '2026-01-10 00:00:30.000000', '1', '10.0', '1'],
      ['2', '2026-01-10 00:01:30.000000', '2', '11.0', '0'],
    ];
    expect(await rows(client)).toEqual(stored);
    expect((await client.query('SELECT count() AS n FROM samples')).rows).toEqual([{ n: '5' }]);

    // Buckets start on the minute (00:00, 00:01), not at the first row's 00:00:10.
    const sampled = await client.query({
      text: 'SELECT ts, series_id, count() AS n, sum(value) AS total, min(value) AS low, max(value) AS high FROM samples SAMPLE BY 1m ORDER BY ts, series_id',
      rowMode: 'array',
    });
    expect(sampled.fields.map((field) => field.name)).toEqual(['ts', 'series_id', 'n', 'total', 'low', 'high']);
    expect(sampled.rows).toEqual([
      ['2026-01-10 00:00:00.000000', '1', '2', '4.0', '1.5', '2.5'],
      ['2026-01-10 00:00:00.000000', '2', '1', '10.0', '10.0', '10.0'],
      ['2026-01-10 00:01:00.000000', '1', '1', '4.0', '4.0', '4.0'],
      ['2026-01-10 00:01:00.000000', '2', '1', '11.0', '11.0', '11.0'],
    ]);

    // Committed, maybe not applied yet, when the server is killed.
    await client.query(`${insert}(3, '2026-01-10T00:02:00.000000Z', 1, 7.0, 0)`);
    await client.end();
    await server.kill();
    expect(server.running).toBe(false);
    await server.run();
    client = await connect(server);
    await walApplied(client, 'samples');
    expect(await rows(client)).toEqual([...stored, ['3', '2026-01-10 00:02:00.000000', '1', '7.0', '0']]);
  }, 60_000);
});
