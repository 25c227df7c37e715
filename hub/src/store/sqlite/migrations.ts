/**
 * The hub's SQLite schema, as numbered migrations applied in order at open. A migration is
 * never edited once released; changes come as a new one.
 */
import type Database from 'better-sqlite3';

const migrations: Array<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      -- A gateway, and the outbox (agent installation) it currently sends from.
      CREATE TABLE gateways (
        id TEXT PRIMARY KEY,
        enterprise_code TEXT,
        site TEXT,
        outbox_id TEXT NOT NULL,
        watermark INTEGER NOT NULL,
        first_seen_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL,
        clock_skew_ms INTEGER
      );
      -- Every outbox a gateway has sent from, with its own watermark: sequence numbers count
      -- within one outbox, so an outbox that comes back continues where it was.
      CREATE TABLE outboxes (
        gateway_id TEXT NOT NULL,
        outbox_id TEXT NOT NULL,
        watermark INTEGER NOT NULL,
        first_seen_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL,
        PRIMARY KEY (gateway_id, outbox_id)
      ) WITHOUT ROWID;
      CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        gateway_id TEXT NOT NULL,
        device TEXT NOT NULL,
        point TEXT NOT NULL,
        metric TEXT NOT NULL,
        unit TEXT NOT NULL,
        interval_ms INTEGER NOT NULL,
        created_ms INTEGER NOT NULL
      );
      CREATE INDEX series_by_gateway ON series (gateway_id);
      CREATE INDEX series_by_metric ON series (metric);
      -- The agent names series by a number local to its outbox; this maps it.
      CREATE TABLE outbox_series (
        gateway_id TEXT NOT NULL,
        outbox_id TEXT NOT NULL,
        local_id INTEGER NOT NULL,
        series_id INTEGER NOT NULL,
        PRIMARY KEY (gateway_id, outbox_id, local_id)
      ) WITHOUT ROWID;
      -- Clustered by series and time, so a history read is one range scan. seq makes two
      -- samples with one source time distinct (a series belongs to one gateway).
      CREATE TABLE samples (
        series_id INTEGER NOT NULL,
        time_ms INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        value REAL,
        quality INTEGER NOT NULL,
        received_ms INTEGER NOT NULL,
        PRIMARY KEY (series_id, time_ms, seq)
      ) WITHOUT ROWID;
      -- Samples of recent commits, in arrival order, until they settle into samples
      -- (see staging.ts).
      CREATE TABLE samples_staged (
        series_id INTEGER NOT NULL,
        time_ms INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        value REAL,
        quality INTEGER NOT NULL,
        received_ms INTEGER NOT NULL
      );
      CREATE TABLE latest (
        series_id INTEGER PRIMARY KEY,
        time_ms INTEGER NOT NULL,
        value REAL,
        quality INTEGER NOT NULL,
        received_ms INTEGER NOT NULL
      );
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        gateway_id TEXT NOT NULL,
        seq INTEGER,
        device TEXT,
        type TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        received_ms INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX events_by_time ON events (time_ms);
      CREATE INDEX events_by_gateway ON events (gateway_id, time_ms);
      -- Each device's last reported state, from its gateway's device.* events.
      CREATE TABLE device_status (
        gateway_id TEXT NOT NULL,
        device TEXT NOT NULL,
        state TEXT NOT NULL,
        state_since_ms INTEGER NOT NULL,
        reason TEXT,
        last_good_read_ms INTEGER,
        reads INTEGER,
        errors TEXT,
        last_error TEXT,
        reported_ms INTEGER NOT NULL,
        PRIMARY KEY (gateway_id, device)
      ) WITHOUT ROWID;
      CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        created_ms INTEGER NOT NULL
      );
    `,
  },
];

export const latestSchemaVersion = migrations[migrations.length - 1]!.version;

export function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((row) => row.version));
  const newer = Math.max(0, ...applied);
  if (newer > latestSchemaVersion) {
    throw new Error(`the database has schema version ${newer}, newer than this davy-hub knows (${latestSchemaVersion}); run a newer davy-hub`);
  }
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_ms) VALUES (?, ?)').run(migration.version, Date.now());
    })();
  }
}
