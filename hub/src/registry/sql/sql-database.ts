/**
 * The relational database the hub keeps its registry in (and, later, users, alarms and the
 * audit log): the SQLite file or the PostgreSQL database of its store. One SQL text serves
 * both, written with PostgreSQL's numbered parameters ($1, $2, …) and the SQL both engines
 * share (ON CONFLICT, RETURNING); only table definitions differ by dialect.
 */
export type SqlValue = string | number | null;

export interface SqlDatabase {
  readonly dialect: 'sqlite' | 'postgres';
  /** Rows of a statement; an empty list for one that returns none. */
  query<T extends object>(sql: string, params?: SqlValue[]): Promise<T[]>;
  /**
   * Runs `work` in one transaction: all of it is committed, or none. `work` must query through
   * the handle it is given: on SQLite the database itself waits for the transaction to end.
   */
  transaction<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A constraint the statement broke: a key already taken, or a reference to nothing. */
export function constraintBroken(error: unknown): 'unique' | 'reference' | undefined {
  const { code } = (error ?? {}) as { code?: unknown };
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') return 'unique';
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'reference';
  return undefined;
}
