/**
 * SqlDatabase on a SQLite file, on a connection of its own beside the store's (WAL mode lets
 * them share the file). better-sqlite3 answers synchronously, so statements and transactions
 * are queued one at a time: a transaction's statements never interleave with another's.
 */
import Database from 'better-sqlite3';
import type { SqlDatabase, SqlValue } from './sql-database.js';

/** `$1 … $n` become `?`, with the parameters in the order they appear (a number may repeat). */
function positional(sql: string, params: SqlValue[]): { sql: string; params: SqlValue[] } {
  const ordered: SqlValue[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    ordered.push(params[Number(n) - 1] ?? null);
    return '?';
  });
  return { sql: text, params: ordered };
}

class SqliteConnection implements SqlDatabase {
  readonly dialect = 'sqlite';
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  async query<T extends object>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    let statement = this.statements.get(sql);
    const bound = positional(sql, params);
    if (!statement) {
      statement = this.db.prepare(bound.sql);
      this.statements.set(sql, statement);
    }
    if (statement.reader) return statement.all(...bound.params) as T[];
    statement.run(...bound.params);
    return [];
  }

  async transaction<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work(this);
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite';
  /** The statement or transaction under way: the next waits for it. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly connection: SqliteConnection) {}

  static open(file: string): SqliteDatabase {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    return new SqliteDatabase(new SqliteConnection(db));
  }

  query<T extends object>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.serialized(() => this.connection.query<T>(sql, params));
  }

  transaction<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T> {
    return this.serialized(() => this.connection.transaction(work));
  }

  async close(): Promise<void> {
    await this.queue;
    await this.connection.close();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const done = this.queue.then(work);
    this.queue = done.catch(() => undefined);
    return done;
  }
}
