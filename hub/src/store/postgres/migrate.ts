/** Applies the numbered migrations a database lacks, all in one transaction, one hub replica at a time. */
import type pg from 'pg';
import { migrations } from './migrations/index.js';
import { SchemaTooNewError } from '../schema-too-new.js';
import { advisoryLocks, inTransaction, lockFor } from './pool.js';

export const latestSchemaVersion = migrations[migrations.length - 1]!.version;


export async function migrate(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await lockFor(client, advisoryLocks.migrations);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_ms bigint NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...applied);
    if (newest > latestSchemaVersion) {
      throw new SchemaTooNewError(`the database has schema version ${newest}, newer than this davy-hub knows (${latestSchemaVersion}); run a newer davy-hub`);
    }
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)', [migration.version, Date.now()]);
    }
  });
}
