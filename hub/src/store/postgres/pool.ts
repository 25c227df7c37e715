/**
 * The store's one connection pool. Connections lost (a restarted or killed server) are dropped
 * from the pool and new ones made on the next query, so the hub carries on once the server is
 * back; until then queries fail fast instead of waiting without bound.
 */
import pg from 'pg';
import { errorMessage, type Logger } from '@davy/runtime';

const int8 = 20;

// Times in ms and sequence numbers are bigint columns, far below 2^53: read them as numbers.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === int8 ? Number : pg.types.getTypeParser(oid, format))) as pg.CustomTypesConfig['getTypeParser'],
};

export function createPool(url: string, log: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    types,
    application_name: 'davy-hub',
    max: 10,
    // A server that does not answer (a dead line, not a refused port) fails a connect or a
    // query within bounds, so a commit never hangs the ingest queue.
    connectionTimeoutMillis: 10_000,
    query_timeout: 120_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle connection that breaks emits here; without a listener it would end the process.
  pool.on('error', (error) => log.warn('store.connection_lost', { error: errorMessage(error) }));
  return pool;
}

/** Runs `work` in one transaction on one connection; a connection that failed is not reused. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out connection that breaks between queries emits here (the pool listens only
  // to idle ones); the next query then fails, and that failure is the one reported.
  const ignore = () => undefined;
  client.on('error', ignore);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.off('error', ignore);
    client.release();
    return result;
  } catch (error) {
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    if (rolledBack) {
      client.off('error', ignore);
      client.release();
    } else {
      // After a broken connection or a timeout, its state is unknown: destroy it. The listener
      // stays: a server's last message (57P01, shutting down) may still be read after this.
      client.release(true);
    }
    throw error;
  }
}

/**
 * Advisory locks that serialize hub replicas on one database: transaction-scoped, but for the
 * alarm lead, which a replica holds on a connection of its own for as long as it leads. (The
 * fold's try-lock, rollups.ts, shares 3 with the registry's migrations: both only wait.)
 */
export const advisoryLocks = {
  migrations: 1,
  partitions: 2,
  registryMigrations: 3,
  auditChain: 4,
  alarmLead: 5,
} as const;

/** The first key of every advisory lock: 'Davy' in ASCII, so they never meet another program's. */
export const davyLockKey = 0x44617679;

/** Takes an advisory lock until the transaction ends. */
export async function lockFor(client: pg.PoolClient, lock: (typeof advisoryLocks)[keyof typeof advisoryLocks]): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [davyLockKey, lock]);
}
