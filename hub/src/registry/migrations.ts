/**
 * The registry's tables, as numbered migrations applied at open (one hub replica at a time on
 * PostgreSQL). Each has its SQLite and its PostgreSQL text; a migration is never edited once
 * released.
 */
import { advisoryLocks, davyLockKey } from '../store/postgres/pool.js';
import { SchemaTooNewError } from '../store/schema-too-new.js';
import type { SqlDatabase } from './sql/sql-database.js';

interface Migration {
  version: number;
  sqlite: string;
  postgres: string;
}

const migrations: Migration[] = [
  {
    version: 1,
    sqlite: `
      CREATE TABLE enterprises (code TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL);
      CREATE TABLE sites (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        enterprise_code TEXT NOT NULL REFERENCES enterprises (code),
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        region_code TEXT NOT NULL,
        latitude REAL,
        longitude REAL,
        created_ms INTEGER NOT NULL,
        UNIQUE (enterprise_code, name)
      );
      CREATE INDEX sites_by_region ON sites (region_code);
      CREATE TABLE site_gateways (gateway_id TEXT PRIMARY KEY, site_id INTEGER NOT NULL REFERENCES sites (id), assigned_ms INTEGER NOT NULL);
      CREATE INDEX site_gateways_by_site ON site_gateways (site_id);`,
    postgres: `
      CREATE TABLE enterprises (code text COLLATE "C" PRIMARY KEY, name text NOT NULL, created_ms bigint NOT NULL);
      CREATE TABLE sites (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        enterprise_code text COLLATE "C" NOT NULL REFERENCES enterprises (code),
        name text NOT NULL,
        kind text NOT NULL,
        region_code text COLLATE "C" NOT NULL,
        latitude float8,
        longitude float8,
        created_ms bigint NOT NULL,
        UNIQUE (enterprise_code, name)
      );
      CREATE INDEX sites_by_region ON sites (region_code);
      CREATE TABLE site_gateways (gateway_id text COLLATE "C" PRIMARY KEY, site_id bigint NOT NULL REFERENCES sites (id), assigned_ms bigint NOT NULL);
      CREATE INDEX site_gateways_by_site ON site_gateways (site_id);`,
  },
  {
    version: 2,
    // Users (access/users.ts): a role, and a scope of regions or one enterprise; sessions by token digest.
    sqlite: `
      CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        regions TEXT NOT NULL,
        enterprise_code TEXT REFERENCES enterprises (code),
        password_hash TEXT NOT NULL,
        must_change_password INTEGER NOT NULL,
        failed_logins INTEGER NOT NULL,
        locked_until_ms INTEGER,
        created_ms INTEGER NOT NULL
      );
      CREATE TABLE sessions (token_sha256 TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), created_ms INTEGER NOT NULL, last_used_ms INTEGER NOT NULL);
      CREATE INDEX sessions_by_user ON sessions (user_id);`,
    postgres: `
      CREATE TABLE users (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text COLLATE "C" NOT NULL UNIQUE,
        role text NOT NULL,
        regions text NOT NULL,
        enterprise_code text COLLATE "C" REFERENCES enterprises (code),
        password_hash text NOT NULL,
        must_change_password integer NOT NULL,
        failed_logins integer NOT NULL,
        locked_until_ms bigint,
        created_ms bigint NOT NULL
      );
      CREATE TABLE sessions (token_sha256 text PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), created_ms bigint NOT NULL, last_used_ms bigint NOT NULL);
      CREATE INDEX sessions_by_user ON sessions (user_id);`,
  },
  {
    version: 3,
    // The audit log (audit/audit-log.ts): append-only, each row hash-chained to the one before.
    sqlite: `
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        time_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        source TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        result TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_log_by_time ON audit_log (time_ms);`,
    postgres: `
      CREATE TABLE audit_log (
        id bigint PRIMARY KEY,
        time_ms bigint NOT NULL,
        actor text NOT NULL,
        role text NOT NULL,
        source text NOT NULL,
        action text NOT NULL,
        target text NOT NULL,
        result text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
      CREATE INDEX audit_log_by_time ON audit_log (time_ms);`,
  },
  {
    version: 4,
    // Where each sensor is (alarm rules go by location), and the alarms with their history (alarms/).
    sqlite: `
      CREATE TABLE point_locations (series_key TEXT PRIMARY KEY, location TEXT NOT NULL, set_ms INTEGER NOT NULL);
      CREATE TABLE alarms (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        rule_table TEXT NOT NULL,
        table_version TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        standard TEXT NOT NULL,
        series_key TEXT NOT NULL,
        gateway_id TEXT NOT NULL,
        metric TEXT NOT NULL,
        location TEXT,
        severity TEXT NOT NULL,
        active INTEGER NOT NULL,
        acked INTEGER NOT NULL,
        raised_ms INTEGER NOT NULL,
        last_ms INTEGER NOT NULL,
        cleared_ms INTEGER,
        acked_ms INTEGER,
        acked_by TEXT,
        ack_comment TEXT,
        first_value REAL NOT NULL,
        last_value REAL NOT NULL,
        worst_value REAL NOT NULL,
        triggers INTEGER NOT NULL
      );
      CREATE INDEX alarms_by_series ON alarms (series_key, rule_id, active);
      CREATE TABLE alarm_history (alarm_id INTEGER NOT NULL REFERENCES alarms (id), time_ms INTEGER NOT NULL, what TEXT NOT NULL, value REAL, actor TEXT, comment TEXT);
      CREATE INDEX alarm_history_by_alarm ON alarm_history (alarm_id);`,
    postgres: `
      CREATE TABLE point_locations (series_key text COLLATE "C" PRIMARY KEY, location text NOT NULL, set_ms bigint NOT NULL);
      CREATE TABLE alarms (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        rule_table text NOT NULL,
        table_version text NOT NULL,
        rule_id text NOT NULL,
        standard text NOT NULL,
        series_key text COLLATE "C" NOT NULL,
        gateway_id text COLLATE "C" NOT NULL,
        metric text NOT NULL,
        location text,
        severity text NOT NULL,
        active integer NOT NULL,
        acked integer NOT NULL,
        raised_ms bigint NOT NULL,
        last_ms bigint NOT NULL,
        cleared_ms bigint,
        acked_ms bigint,
        acked_by text,
        ack_comment text,
        first_value float8 NOT NULL,
        last_value float8 NOT NULL,
        worst_value float8 NOT NULL,
        triggers integer NOT NULL
      );
      CREATE INDEX alarms_by_series ON alarms (series_key, rule_id, active);
      CREATE TABLE alarm_history (alarm_id bigint NOT NULL REFERENCES alarms (id), time_ms bigint NOT NULL, what text NOT NULL, value float8, actor text, comment text);
      CREATE INDEX alarm_history_by_alarm ON alarm_history (alarm_id);`,
  },
  {
    version: 5,
    // API keys for data sharing (access/api-keys.ts): scoped to routes and enterprises, rate-limited, revocable.
    sqlite: `
      CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        key_sha256 TEXT NOT NULL UNIQUE,
        routes TEXT NOT NULL,
        enterprises TEXT NOT NULL,
        rate_per_minute INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        revoked_ms INTEGER
      );`,
    postgres: `
      CREATE TABLE api_keys (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text COLLATE "C" NOT NULL UNIQUE,
        key_sha256 text NOT NULL UNIQUE,
        routes text NOT NULL,
        enterprises text NOT NULL,
        rate_per_minute integer NOT NULL,
        created_ms bigint NOT NULL,
        revoked_ms bigint
      );`,
  },
  {
    version: 7,
    // Alarms on a device or a gateway as well as on a series (alarms/absence-watch.ts): what the alarm is on, and its device.
    sqlite: `
      ALTER TABLE alarms ADD COLUMN subject TEXT NOT NULL DEFAULT 'series';
      ALTER TABLE alarms ADD COLUMN device TEXT;`,
    postgres: `
      ALTER TABLE alarms ADD COLUMN subject text NOT NULL DEFAULT 'series';
      ALTER TABLE alarms ADD COLUMN device text COLLATE "C";`,
  },
  {
    version: 8,
    // Enterprises' measured net calorific values of their fuels (reports/calorific-values.ts), each in force from its time.
    sqlite: `
      CREATE TABLE calorific_values (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        enterprise_code TEXT NOT NULL REFERENCES enterprises (code),
        energy TEXT NOT NULL,
        valid_from_ms INTEGER NOT NULL,
        ncv_kj_per_unit REAL NOT NULL,
        unit TEXT NOT NULL,
        note TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_ms INTEGER NOT NULL,
        UNIQUE (enterprise_code, energy, valid_from_ms)
      );`,
    postgres: `
      CREATE TABLE calorific_values (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        enterprise_code text COLLATE "C" NOT NULL REFERENCES enterprises (code),
        energy text COLLATE "C" NOT NULL,
        valid_from_ms bigint NOT NULL,
        ncv_kj_per_unit float8 NOT NULL,
        unit text NOT NULL,
        note text NOT NULL,
        set_by text NOT NULL,
        set_ms bigint NOT NULL,
        UNIQUE (enterprise_code, energy, valid_from_ms)
      );`,
  },
  {
    version: 9,
    // The gateways' events each event alarm rule has handled (alarms/event-alarms.ts): every one up to the cursor, and those above it one by one.
    sqlite: `
      CREATE TABLE alarm_event_cursors (rule_key TEXT PRIMARY KEY, last_event_id INTEGER NOT NULL);
      CREATE TABLE alarm_events_handled (rule_key TEXT NOT NULL, event_id INTEGER NOT NULL, PRIMARY KEY (rule_key, event_id));`,
    postgres: `
      CREATE TABLE alarm_event_cursors (rule_key text COLLATE "C" PRIMARY KEY, last_event_id bigint NOT NULL);
      CREATE TABLE alarm_events_handled (rule_key text COLLATE "C" NOT NULL, event_id bigint NOT NULL, PRIMARY KEY (rule_key, event_id));`,
  },
  {
    version: 6,
    // Alarm webhooks (webhooks/): the subscriptions, with the HMAC secret in clear (a MAC needs it),
    // and the delivery outbox, written in the alarm change's transaction. No foreign key from a
    // delivery to its webhook: a webhook removed meanwhile must never fail an alarm's transaction.
    sqlite: `
      CREATE TABLE webhooks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        url TEXT NOT NULL,
        description TEXT,
        min_severity TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_ms INTEGER NOT NULL
      );
      CREATE TABLE webhook_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id TEXT NOT NULL UNIQUE,
        webhook_id INTEGER NOT NULL,
        event TEXT NOT NULL,
        alarm_id INTEGER NOT NULL,
        alarm TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        last_error TEXT,
        created_ms INTEGER NOT NULL,
        next_attempt_ms INTEGER NOT NULL,
        last_attempt_ms INTEGER,
        done_ms INTEGER,
        claimed_until_ms INTEGER
      );
      CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, state, id);`,
    postgres: `
      CREATE TABLE webhooks (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        url text NOT NULL,
        description text,
        min_severity text NOT NULL,
        secret text NOT NULL,
        created_by text NOT NULL,
        created_ms bigint NOT NULL
      );
      CREATE TABLE webhook_deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id text NOT NULL UNIQUE,
        webhook_id bigint NOT NULL,
        event text NOT NULL,
        alarm_id bigint NOT NULL,
        alarm text NOT NULL,
        time_ms bigint NOT NULL,
        state text NOT NULL,
        attempts integer NOT NULL,
        last_error text,
        created_ms bigint NOT NULL,
        next_attempt_ms bigint NOT NULL,
        last_attempt_ms bigint,
        done_ms bigint,
        claimed_until_ms bigint
      );
      CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, state, id);`,
  },
];

// Applied in version order, whatever order they are listed in.
migrations.sort((a, b) => a.version - b.version);
const latest = migrations[migrations.length - 1]!.version;

export async function migrateRegistry(db: SqlDatabase): Promise<void> {
  await db.transaction(async (tx) => {
    // Two replicas starting at once: the second waits here until the first has migrated.
    if (tx.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [davyLockKey, advisoryLocks.registryMigrations]);
    await tx.query('CREATE TABLE IF NOT EXISTS registry_migrations (version integer PRIMARY KEY, applied_ms bigint NOT NULL)');
    const applied = new Set((await tx.query<{ version: number }>('SELECT version FROM registry_migrations')).map((row) => row.version));
    const newest = Math.max(0, ...applied);
    if (newest > latest) throw new SchemaTooNewError(`the registry has schema version ${newest}, newer than this davy-hub knows (${latest}); run a newer davy-hub`);
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of (tx.dialect === 'sqlite' ? migration.sqlite : migration.postgres).split(';').map((s) => s.trim()).filter(Boolean)) await tx.query(statement);
      await tx.query('INSERT INTO registry_migrations (version, applied_ms) VALUES ($1, $2)', [migration.version, Date.now()]);
    }
  });
}
