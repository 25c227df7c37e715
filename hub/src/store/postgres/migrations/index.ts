/**
 * The hub's PostgreSQL schema as numbered migrations, applied in order at start. A migration
 * is never edited once released; a change comes as the next number.
 */
import * as initial from './0001-initial.js';
import * as storedQueue from './0002-stored-queue.js';

export interface Migration {
  version: number;
  sql: string;
}

export const migrations: Migration[] = [initial, storedQueue];
