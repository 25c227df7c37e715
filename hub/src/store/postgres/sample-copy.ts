/**
 * Samples go into their table with COPY (text format), the fastest way into PostgreSQL: one
 * stream per commit, routed to the day partitions by the server, each row tagged with the
 * commit's id. Rows are turned into text chunk by chunk as the stream takes them, so the server
 * works on one chunk while the next is made. The benchmark's raw ceiling uses the same function.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { SampleRow } from '../batch-records.js';

const rowsPerChunk = 2_000;

export async function copySamples(client: pg.PoolClient, samples: Iterable<SampleRow>, commitId: number): Promise<void> {
  const copy = client.query(copyFrom('COPY samples (series_id, time_ms, seq, value, quality, received_ms, commit_id) FROM STDIN'));
  await pipeline(Readable.from(copyText(samples, commitId)), copy);
}

/** COPY's text format in chunks: numbers only, so nothing needs escaping; \N is NULL. */
function* copyText(samples: Iterable<SampleRow>, commitId: number): Generator<string> {
  let text = '';
  let rows = 0;
  for (const s of samples) {
    text += `${s.seriesId}\t${s.timeMs}\t${s.seq}\t${s.value ?? '\\N'}\t${s.quality}\t${s.receivedMs}\t${commitId}\n`;
    rows += 1;
    if (rows % rowsPerChunk === 0) {
      yield text;
      text = '';
    }
  }
  if (text !== '') yield text;
}
