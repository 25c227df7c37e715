/**
 * The audit log (GB/T 22239-2019 level 2; kept at least 180 days, Cybersecurity Law art. 21):
 * every login, failed login, change and data export, with time, user, source address, action,
 * target and result. It is append-only and hash-chained with SM3: each row's hash covers its
 * fields and the hash of the row before, so an edited, inserted or deleted row breaks the chain
 * at that row, which `davy-hub audit verify` finds. Retention removes the oldest rows and
 * records what it removed, with the hash the chain then starts from.
 */
import { createHash } from 'node:crypto';
import { advisoryLocks, davyLockKey } from '../store/postgres/pool.js';
import type { SqlDatabase } from '../registry/sql/sql-database.js';

export const defaultAuditRetentionDays = 180;
const genesis = '0'.repeat(64);

export interface AuditEntry {
  timeMs: number;
  /** The user's name; `hub-token` for the hub's API token; for a login, the name tried. */
  actor: string;
  /** The actor's role, or `none` when it is not known (a failed login). */
  role: string;
  /** The client's address. */
  source: string;
  /** login, login_failed, logout, export, or METHOD /route for a change. */
  action: string;
  /** What it was done to: the request path with its query. */
  target: string;
  /** ok, or the HTTP status and the reason it was refused. */
  result: string;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  prevHash: string;
  hash: string;
}

interface AuditRow {
  id: number;
  time_ms: number;
  actor: string;
  role: string;
  source: string;
  action: string;
  target: string;
  result: string;
  prev_hash: string;
  hash: string;
}

export type AuditVerdict = { intact: true; records: number; firstId: number | null; lastId: number | null; note?: string } | { intact: false; id: number; reason: string };

/** A record's id and hash as kept outside the database (a log line, a regulator's copy): the chain must still hold it. */
export interface KeptHead {
  id: number;
  hash: string;
}

function hashOf(prevHash: string, entry: AuditEntry): string {
  const fields = [prevHash, entry.timeMs, entry.actor, entry.role, entry.source, entry.action, entry.target, entry.result];
  return createHash('sm3').update(JSON.stringify(fields)).digest('hex');
}

function toRecord(row: AuditRow): AuditRecord {
  return { id: row.id, timeMs: row.time_ms, actor: row.actor, role: row.role, source: row.source, action: row.action, target: row.target, result: row.result, prevHash: row.prev_hash, hash: row.hash };
}

const columns = 'id, time_ms, actor, role, source, action, target, result, prev_hash, hash';

export class AuditLog {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends one entry at the end of the chain (one writer at a time, also across hub replicas). */
  async append(entry: Omit<AuditEntry, 'timeMs'>): Promise<AuditRecord> {
    return this.db.transaction(async (tx) => {
      if (tx.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [davyLockKey, advisoryLocks.auditChain]);
      const [last] = await tx.query<{ id: number; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
      const full: AuditEntry = { timeMs: this.now(), ...entry };
      const prevHash = last?.hash ?? genesis;
      const record: AuditRecord = { ...full, id: (last?.id ?? 0) + 1, prevHash, hash: hashOf(prevHash, full) };
      await tx.query(`INSERT INTO audit_log (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
        record.id,
        record.timeMs,
        record.actor,
        record.role,
        record.source,
        record.action,
        record.target,
        record.result,
        record.prevHash,
        record.hash,
      ]);
      return record;
    });
  }

  /** Newest first, before `beforeId` when given. */
  async list(query: { limit: number; beforeId?: number }): Promise<AuditRecord[]> {
    const rows =
      query.beforeId === undefined
        ? await this.db.query<AuditRow>(`SELECT ${columns} FROM audit_log ORDER BY id DESC LIMIT $1`, [query.limit])
        : await this.db.query<AuditRow>(`SELECT ${columns} FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2`, [query.beforeId, query.limit]);
    return rows.map(toRecord);
  }

  /** The newest record's id and hash, for a copy kept outside the database. */
  async head(): Promise<KeptHead | undefined> {
    const [row] = await this.db.query<{ id: number; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
    return row && { id: Number(row.id), hash: row.hash };
  }

  /**
   * Walks the chain: each row's hash must cover its fields and the row before, ids must follow
   * one another, and a chain that does not start at the first row must start where the last
   * retention said it left it. The chain alone cannot show its newest records removed, or the
   * whole of it written again, by someone who can write the database: a head kept outside can,
   * so when one is given the chain must still hold it.
   */
  async verify(kept?: KeptHead): Promise<AuditVerdict> {
    const verdict = await this.verifyChain();
    if (!verdict.intact || !kept) return verdict;
    const { firstId, lastId } = verdict;
    if (lastId === null || kept.id > lastId) {
      return { intact: false, id: kept.id, reason: `the log ends ${lastId === null ? 'before any record' : `at record ${lastId}`}, but record ${kept.id} was kept outside as its head: the newest records were removed` };
    }
    if (kept.id < firstId! - 1) return { ...verdict, note: `record ${kept.id}, the head kept outside, is older than the log's start (retention removed it): keep a newer head` };
    const [row] = await this.db.query<{ hash: string }>(kept.id === firstId! - 1 ? 'SELECT prev_hash AS hash FROM audit_log WHERE id = $1' : 'SELECT hash FROM audit_log WHERE id = $1', [
      kept.id === firstId! - 1 ? firstId : kept.id,
    ]);
    if (row?.hash !== kept.hash) return { intact: false, id: kept.id, reason: 'its hash is not the one kept outside: the chain was written again up to it' };
    return verdict;
  }

  private async verifyChain(): Promise<AuditVerdict> {
    const rows = await this.db.query<AuditRow>(`SELECT ${columns} FROM audit_log ORDER BY id`);
    if (rows.length === 0) return { intact: true, records: 0, firstId: null, lastId: null };
    const first = rows[0]!;
    if (first.id !== 1 || first.prev_hash !== genesis) {
      const anchor = [...rows].reverse().find((row) => row.action === 'audit.prune' && row.target === `through ${first.id - 1}`);
      if (!anchor || anchor.result !== `anchor ${first.prev_hash}`) {
        return { intact: false, id: first.id, reason: `the log starts at record ${first.id}, but no retention record says records up to ${first.id - 1} were removed with this anchor: records were deleted` };
      }
    }
    let previous: AuditRow | undefined;
    for (const row of rows) {
      if (previous && row.id !== previous.id + 1) {
        const missing = row.id - 1 === previous.id + 1 ? `record ${row.id - 1} is` : `records ${previous.id + 1} to ${row.id - 1} are`;
        return { intact: false, id: row.id, reason: `${missing} missing: deleted` };
      }
      if (previous && row.prev_hash !== previous.hash) return { intact: false, id: row.id, reason: `its link to record ${previous.id} does not match: a record was replaced` };
      const record = toRecord(row);
      if (hashOf(row.prev_hash, record) !== row.hash) return { intact: false, id: row.id, reason: 'its content does not match its hash: it was edited' };
      previous = row;
    }
    return { intact: true, records: rows.length, firstId: first.id, lastId: previous!.id };
  }

  /** Removes the records older than `days` days, keeping at least the newest; records that it did. */
  async prune(days: number): Promise<number> {
    const cutoff = this.now() - days * 86_400_000;
    const removed = await this.db.transaction(async (tx) => {
      if (tx.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [davyLockKey, advisoryLocks.auditChain]);
      const [edge] = await tx.query<{ id: number; hash: string }>('SELECT id, hash FROM audit_log WHERE time_ms < $1 ORDER BY id DESC LIMIT 1', [cutoff]);
      if (!edge) return undefined;
      const [count] = await tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM audit_log WHERE id <= $1', [edge.id]);
      await tx.query('DELETE FROM audit_log WHERE id <= $1', [edge.id]);
      return { through: edge.id, anchor: edge.hash, count: Number(count!.n) };
    });
    if (!removed) return 0;
    await this.append({ actor: 'davy-hub', role: 'system', source: 'local', action: 'audit.prune', target: `through ${removed.through}`, result: `anchor ${removed.anchor}` });
    return removed.count;
  }
}
