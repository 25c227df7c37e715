/**
 * Opens the hub's store where the settings say. SQLite is a file: it opens or fails at once.
 * PostgreSQL and QuestDB are servers that may be down, unreachable or still starting: each
 * failed attempt is one log line naming the URL (never its password) and the cause, and the
 * hub tries again with backoff until it answers — or stops, when the database was made by a
 * newer hub.
 */
import { Backoff, connectFailure, sleep, type Logger } from '@davy/runtime';
import { SchemaTooNewError } from './schema-too-new.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { QuestDbStore } from './questdb/questdb-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { describeStoreLocation, type StoreLocation } from './store-location.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  location: StoreLocation;
  sqliteSync?: 'full' | 'normal';
  /** PostgreSQL: whole days of raw samples kept before today; QuestDB: before the newest day. Default everything. */
  retentionDays?: number;
  log: Logger;
  /** Stops the retries (the hub is shutting down); the open then rejects. */
  signal?: AbortSignal;
  retry?: { initialMs: number; maxMs: number };
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { location, log } = options;
  const store = describeStoreLocation(location);
  if (location.engine === 'sqlite') {
    const opened = SqliteStore.open(location.file, { sync: options.sqliteSync, log });
    log.info('store.opened', { engine: 'sqlite', store });
    return opened;
  }
  const backoff = new Backoff(options.retry ?? { initialMs: 1_000, maxMs: 30_000 });
  for (;;) {
    try {
      const settings = { retentionDays: options.retentionDays, log };
      const opened = location.engine === 'postgres' ? await PostgresStore.open(location.url, settings) : await QuestDbStore.open(location.url, settings);
      log.info('store.opened', { engine: location.engine, store, retentionDays: options.retentionDays ?? null });
      return opened;
    } catch (error) {
      if (error instanceof SchemaTooNewError) throw error;
      const retryInMs = Math.round(backoff.nextDelayMs());
      log.warn('store.unavailable', {
        store,
        error: connectFailure(error),
        retryInMs,
        hint: `start ${location.engine === 'postgres' ? 'PostgreSQL' : 'QuestDB'} or correct --store / DAVY_HUB_STORE; the hub keeps trying, and takes batches once it answers`,
      });
      await sleep(retryInMs, options.signal);
      if (options.signal?.aborted) throw new Error(`stopped while waiting for the store at ${store}`);
    }
  }
}
