/** The outbox file's schema, created or upgraded at open. */
import type Database from 'better-sqlite3';

export const recordKind = { sample: 1, event: 2, gap: 3 } as const;

export function createOutboxSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS series (
      id INTEGER PRIMARY KEY,
      key TEXT NOT NULL UNIQUE,
      device TEXT NOT NULL,
      point TEXT NOT NULL,
      metric TEXT NOT NULL,
      unit TEXT NOT NULL,
      interval_ms INTEGER NOT NULL
    );
    -- seq is assigned by the agent and never reused (meta.last_seq survives deletes).
    CREATE TABLE IF NOT EXISTS records (
      seq INTEGER PRIMARY KEY,
      kind INTEGER NOT NULL,
      series INTEGER,
      time_ms INTEGER NOT NULL,
      value REAL,
      quality INTEGER,
      body TEXT
    );
    -- What the running agent reports about itself, for davy-agent status.
    CREATE TABLE IF NOT EXISTS agent_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL);
  `);
}
