/**
 * Users, their logins and sessions, by the GB/T 22239-2019 level-2 practice: passwords kept
 * as scrypt hashes and checked for strength; 5 failed logins in a row lock the account for 15
 * minutes; a session ends after 30 minutes without a request; the first admin, and every user
 * an admin makes, must change the password at the first login. Tokens are kept as digests.
 */
import { randomBytes } from 'node:crypto';
import { tokenDigest } from '../auth/token-digest.js';
import { Refusal } from '../refusal.js';
import { regionCodeProblem } from '../registry/region-code.js';
import { constraintBroken, type SqlDatabase } from '../registry/sql/sql-database.js';
import { generatedPassword, hashPassword, passwordProblem, verifyPassword } from './password.js';
import { roles, type Principal, type Role } from './principal.js';

export const failuresBeforeLockout = 5;
export const lockoutMs = 15 * 60_000;
export const sessionIdleMs = 30 * 60_000;
/** A session's last use is written at most this often: not one write per request. */
const touchEveryMs = 60_000;

export interface User {
  id: number;
  name: string;
  role: Role;
  regions: string[];
  enterpriseCode: string | null;
  mustChangePassword: boolean;
  lockedUntilMs: number | null;
  createdMs: number;
}

export interface NewUser {
  name: string;
  role: Role;
  regions?: string[];
  enterpriseCode?: string | null;
  password: string;
}


interface UserRow {
  id: number;
  name: string;
  role: Role;
  regions: string;
  enterprise_code: string | null;
  password_hash: string;
  must_change_password: number;
  failed_logins: number;
  locked_until_ms: number | null;
  created_ms: number;
}

const userColumns = 'id, name, role, regions, enterprise_code, password_hash, must_change_password, failed_logins, locked_until_ms, created_ms';

function toUser(row: UserRow): User {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    regions: row.regions === '' ? [] : row.regions.split(','),
    enterpriseCode: row.enterprise_code,
    mustChangePassword: row.must_change_password === 1,
    lockedUntilMs: row.locked_until_ms,
    createdMs: row.created_ms,
  };
}

export class UserDirectory {
  /** Compared against when the name is unknown, so a login takes as long either way. */
  private readonly decoy = hashPassword(randomBytes(16).toString('hex'));

  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  async createUser(input: NewUser, options: { mustChangePassword?: boolean } = {}): Promise<User> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/.test(input.name)) throw new Refusal('invalid', 'name', 'is not a user name: 2 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    if (!roles.includes(input.role)) throw new Refusal('invalid', 'role', `is not one of ${roles.join(', ')}`);
    const regions = input.regions ?? [];
    const enterpriseCode = input.enterpriseCode ?? null;
    if (input.role === 'regulator') {
      if (regions.length === 0) throw new Refusal('invalid', 'regions', 'a regulator needs the division codes (GB/T 2260) it oversees, e.g. ["140100"]');
      for (const region of regions) {
        const problem = regionCodeProblem(region);
        if (problem) throw new Refusal('invalid', 'regions', `${region} ${problem}`);
      }
    } else if (regions.length > 0) {
      throw new Refusal('invalid', 'regions', 'only a regulator is scoped to regions');
    }
    if (input.role === 'enterprise' && enterpriseCode === null) throw new Refusal('invalid', 'enterpriseCode', 'an enterprise user needs the credit code of its enterprise');
    if (input.role !== 'enterprise' && enterpriseCode !== null) throw new Refusal('invalid', 'enterpriseCode', 'only an enterprise user belongs to an enterprise');
    const weak = passwordProblem(input.password, input.name);
    if (weak) throw new Refusal('invalid', 'password', weak);
    const hash = await hashPassword(input.password);
    try {
      const [row] = await this.db.query<UserRow>(
        `INSERT INTO users (name, role, regions, enterprise_code, password_hash, must_change_password, failed_logins, locked_until_ms, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, 0, NULL, $7) RETURNING ${userColumns}`,
        [input.name, input.role, regions.join(','), enterpriseCode, hash, options.mustChangePassword === false ? 0 : 1, this.now()],
      );
      return toUser(row!);
    } catch (error) {
      const broken = constraintBroken(error);
      if (broken === 'unique') throw new Refusal('conflict', 'name', `there is a user ${input.name} already`);
      if (broken === 'reference') throw new Refusal('invalid', 'enterpriseCode', `there is no enterprise ${enterpriseCode}: register it first (POST /api/v1/enterprises)`);
      throw error;
    }
  }

  async users(): Promise<User[]> {
    return (await this.db.query<UserRow>(`SELECT ${userColumns} FROM users ORDER BY name`)).map(toUser);
  }

  /** At the first start: an admin with a generated password, to be changed at its first login. */
  async ensureFirstAdmin(): Promise<{ name: string; password: string } | undefined> {
    const [any] = await this.db.query<{ id: number }>('SELECT id FROM users LIMIT 1');
    if (any) return undefined;
    const password = generatedPassword();
    await this.createUser({ name: 'admin', role: 'platform_admin', password });
    return { name: 'admin', password };
  }

  /** A new session for the name and password; a wrong one counts toward the lockout. */
  async login(name: string, password: string): Promise<{ token: string; user: User }> {
    const wrong = new Refusal('unauthorized', 'password', 'the user name or the password is wrong');
    const [row] = await this.db.query<UserRow>(`SELECT ${userColumns} FROM users WHERE name = $1`, [name]);
    if (!row) {
      await verifyPassword(password, await this.decoy);
      throw wrong;
    }
    const now = this.now();
    if (row.locked_until_ms !== null && row.locked_until_ms > now) throw this.lockedError(row.locked_until_ms);
    if (!(await verifyPassword(password, row.password_hash))) {
      const failures = row.failed_logins + 1;
      if (failures >= failuresBeforeLockout) {
        await this.db.query('UPDATE users SET failed_logins = 0, locked_until_ms = $1 WHERE id = $2', [now + lockoutMs, row.id]);
        throw this.lockedError(now + lockoutMs);
      }
      await this.db.query('UPDATE users SET failed_logins = $1 WHERE id = $2', [failures, row.id]);
      throw wrong;
    }
    await this.db.query('UPDATE users SET failed_logins = 0, locked_until_ms = NULL WHERE id = $1', [row.id]);
    const token = `davy_s_${randomBytes(32).toString('base64url')}`;
    await this.db.query('INSERT INTO sessions (token_sha256, user_id, created_ms, last_used_ms) VALUES ($1, $2, $3, $3)', [tokenDigest(token), row.id, now]);
    return { token, user: toUser({ ...row, failed_logins: 0, locked_until_ms: null }) };
  }

  /** The user of a live session; a session idle too long is ended. */
  async authenticate(token: string): Promise<Principal | undefined> {
    const digest = tokenDigest(token);
    const [row] = await this.db.query<UserRow & { last_used_ms: number }>(
      `SELECT ${userColumns.split(', ').map((c) => `u.${c}`).join(', ')}, s.last_used_ms FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_sha256 = $1`,
      [digest],
    );
    if (!row) return undefined;
    const now = this.now();
    if (now - row.last_used_ms > sessionIdleMs) {
      await this.db.query('DELETE FROM sessions WHERE token_sha256 = $1', [digest]);
      return undefined;
    }
    if (now - row.last_used_ms > touchEveryMs) await this.db.query('UPDATE sessions SET last_used_ms = $1 WHERE token_sha256 = $2', [now, digest]);
    const user = toUser(row);
    return { kind: 'user', userId: user.id, name: user.name, role: user.role, regions: user.regions, enterpriseCode: user.enterpriseCode, mustChangePassword: user.mustChangePassword, sessionDigest: digest };
  }

  async logout(sessionDigest: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE token_sha256 = $1', [sessionDigest]);
  }

  /** Sets a new password; every other session of the user ends. */
  async changePassword(principal: Extract<Principal, { kind: 'user' }>, current: string, next: string): Promise<void> {
    const [row] = await this.db.query<UserRow>(`SELECT ${userColumns} FROM users WHERE id = $1`, [principal.userId]);
    if (!row || !(await verifyPassword(current, row.password_hash))) throw new Refusal('invalid', 'currentPassword', 'is not the current password');
    const weak = passwordProblem(next, row.name);
    if (weak) throw new Refusal('invalid', 'newPassword', weak);
    if (next === current) throw new Refusal('invalid', 'newPassword', 'is the current password; choose a new one');
    const hash = await hashPassword(next);
    await this.db.transaction(async (tx) => {
      await tx.query('UPDATE users SET password_hash = $1, must_change_password = 0 WHERE id = $2', [hash, row.id]);
      await tx.query('DELETE FROM sessions WHERE user_id = $1 AND token_sha256 <> $2', [row.id, principal.sessionDigest]);
    });
  }

  private lockedError(untilMs: number): Refusal {
    return new Refusal('locked', 'name', `the account is locked until ${new Date(untilMs).toISOString()} after ${failuresBeforeLockout} failed logins in a row; try again then, or ask a platform admin`);
  }
}
