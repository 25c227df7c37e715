/**
 * The QuestDB store's tables. QuestDB has no transaction across tables and no unique keys, so
 * every table is a WAL table deduplicated on its key (DEDUP UPSERT KEYS): writing a row again
 * replaces it, and a commit repeated after a crash changes nothing. Tables that hold one row per
 * key (gateways, series, …) give every row the same designated time, 1970-01-01, so the key
 * alone decides. Times other than the designated one are milliseconds in LONG columns, as the
 * other engines keep them.
 */
import type pg from 'pg';
import { SchemaTooNewError } from '../schema-too-new.js';

export const schemaVersion = 1;

/** One row per key: the same designated time on every row. */
const keyed = (columns: string, key: string) => `(ts TIMESTAMP, ${columns}) TIMESTAMP(ts) PARTITION BY YEAR WAL DEDUP UPSERT KEYS(ts, ${key})`;

export const tables: Record<string, string> = {
  davy_schema: keyed('name SYMBOL, version INT', 'name'),
  // A sample is its series, time and outbox sequence number: the same record sent again is one row.
  samples: '(series_id INT, ts TIMESTAMP, seq LONG, value DOUBLE, quality BYTE, received_ms LONG) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, series_id, seq)',
  // key_seq: the record's sequence number; for a note the hub writes itself, minus the watermark of the batch it is about.
  events:
    '(id LONG, gateway_id SYMBOL, outbox_id SYMBOL, key_seq LONG, device VARCHAR, type SYMBOL, ts TIMESTAMP, received_ms LONG, body VARCHAR) ' +
    'TIMESTAMP(ts) PARTITION BY MONTH WAL DEDUP UPSERT KEYS(ts, gateway_id, outbox_id, key_seq, type)',
  series: keyed('id INT, key VARCHAR, gateway_id SYMBOL, device VARCHAR, point VARCHAR, metric SYMBOL, unit SYMBOL, interval_ms LONG', 'id'),
  outbox_series: keyed('gateway_id SYMBOL, outbox_id SYMBOL, local_id INT, series_id INT', 'gateway_id, outbox_id, local_id'),
  gateways: keyed('id SYMBOL, enterprise_code VARCHAR, site VARCHAR, outbox_id SYMBOL, watermark LONG, first_seen_ms LONG, last_seen_ms LONG, clock_skew_ms LONG', 'id'),
  outboxes: keyed('gateway_id SYMBOL, outbox_id SYMBOL, watermark LONG, first_seen_ms LONG, last_seen_ms LONG', 'gateway_id, outbox_id'),
  device_status: keyed(
    'gateway_id SYMBOL, device VARCHAR, state SYMBOL, state_since_ms LONG, reason VARCHAR, last_good_read_ms LONG, reads LONG, errors VARCHAR, last_error VARCHAR, reported_ms LONG',
    'gateway_id, device',
  ),
  // Each replacement of the token set is one row; the newest generation is the set in force.
  api_token_sets: '(ts TIMESTAMP, generation LONG, tokens VARCHAR) TIMESTAMP(ts) PARTITION BY YEAR WAL',
};

export const tableNames = Object.keys(tables);

/** Creates the tables a database lacks; refuses one set up by a newer davy-hub. */
export async function prepareSchema(pool: pg.Pool, walApplied: () => Promise<void>): Promise<void> {
  for (const [name, definition] of Object.entries(tables)) await pool.query(`CREATE TABLE IF NOT EXISTS ${name} ${definition}`);
  await walApplied();
  const { rows } = await pool.query<{ version: number }>("SELECT version FROM davy_schema WHERE name = 'tables'");
  const version = rows[0]?.version ?? 0;
  if (version > schemaVersion) throw new SchemaTooNewError(`the QuestDB database has schema version ${version}, newer than this davy-hub knows (${schemaVersion}); run a newer davy-hub`);
  if (version < schemaVersion) await pool.query("INSERT INTO davy_schema (ts, name, version) VALUES (0, 'tables', $1)", [schemaVersion]);
}
