/** SqlDatabase on PostgreSQL: a pool of its own on the store's database. */
import type pg from 'pg';
import type { Logger } from '@davy/runtime';
import { createPool, inTransaction } from '../../store/postgres/pool.js';
import type { SqlDatabase, SqlValue } from './sql-database.js';

class PostgresQueries {
  constructor(private readonly client: pg.Pool | pg.PoolClient) {}

  async query<T extends object>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return (await this.client.query<T & pg.QueryResultRow>(sql, params)).rows;
  }
}

export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres';
  private readonly queries: PostgresQueries;

  private constructor(private readonly pool: pg.Pool) {
    this.queries = new PostgresQueries(pool);
  }

  static open(url: string, log: Logger): PostgresDatabase {
    return new PostgresDatabase(createPool(url, log));
  }

  query<T extends object>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.queries.query<T>(sql, params);
  }

  transaction<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, (client) => {
      const queries = new PostgresQueries(client);
      const inside: SqlDatabase = {
        dialect: 'postgres',
        query: (sql, params) => queries.query(sql, params),
        transaction: (nested) => nested(inside),
        close: async () => undefined,
      };
      return work(inside);
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
