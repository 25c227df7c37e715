/**
 * Where the registry lives: in the hub's relational database — the SQLite file of a SQLite
 * store, the database of a PostgreSQL store — or, beside a QuestDB store (no place for it
 * there), in a SQLite file of its own in the data folder.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@davy/runtime';
import type { StoreLocation } from '../store/store-location.js';
import { migrateRegistry } from './migrations.js';
import { Registry } from './registry.js';
import { PostgresDatabase } from './sql/postgres-database.js';
import type { SqlDatabase } from './sql/sql-database.js';
import { SqliteDatabase } from './sql/sqlite-database.js';

function openDatabase(store: StoreLocation, dataDir: string, log: Logger): SqlDatabase {
  if (store.engine === 'postgres') return PostgresDatabase.open(store.url, log);
  if (store.engine === 'sqlite') return SqliteDatabase.open(store.file);
  mkdirSync(dataDir, { recursive: true });
  return SqliteDatabase.open(path.join(dataDir, 'registry.db'));
}

export async function openRegistry(store: StoreLocation, dataDir: string, log: Logger): Promise<Registry> {
  const db = openDatabase(store, dataDir, log);
  try {
    await migrateRegistry(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return new Registry(db);
}
