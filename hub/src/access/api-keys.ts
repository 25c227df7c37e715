/**
 * API keys for sharing data with other platforms (an e-government data exchange): each reads
 * only the routes and the enterprises it was given, at most so many requests a minute, until
 * a platform admin revokes it. A key is shown once, when made; only its digest is kept.
 */
import { randomBytes } from 'node:crypto';
import { creditCodeProblem } from '@davy/runtime';
import { tokenDigest } from '../auth/token-digest.js';
import { Refusal } from '../refusal.js';
import { constraintBroken, type SqlDatabase } from '../registry/sql/sql-database.js';
import type { Principal } from './principal.js';

/** The routes a key may be given: reads of data, never the registry's or users' changes. */
export const shareableRoutes = ['/api/v1/series', '/api/v1/series/latest', '/api/v1/series/history', '/api/v1/events', '/api/v1/alarms', '/api/v1/reports/energy', '/api/v1/reports/quality', '/api/v1/enterprises', '/api/v1/sites'] as const;

export interface ApiKey {
  id: number;
  name: string;
  routes: string[];
  enterprises: string[];
  ratePerMinute: number;
  createdMs: number;
  revokedMs: number | null;
}

export interface NewApiKey {
  name: string;
  routes: string[];
  enterprises: string[];
  ratePerMinute: number;
}

interface KeyRow {
  id: number;
  name: string;
  routes: string;
  enterprises: string;
  rate_per_minute: number;
  created_ms: number;
  revoked_ms: number | null;
}

const columns = 'id, name, routes, enterprises, rate_per_minute, created_ms, revoked_ms';
const list = (text: string) => (text === '' ? [] : text.split(','));

function toKey(row: KeyRow): ApiKey {
  return { id: row.id, name: row.name, routes: list(row.routes), enterprises: list(row.enterprises), ratePerMinute: row.rate_per_minute, createdMs: row.created_ms, revokedMs: row.revoked_ms };
}

export class ApiKeys {
  constructor(
    private readonly db: SqlDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  /** Makes a key; returns it with its secret, which is never shown again. */
  async create(input: NewApiKey): Promise<{ key: ApiKey; secret: string }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/.test(input.name)) throw new Refusal('invalid', 'name', 'is not a key name: 2 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    const unknownRoute = input.routes.find((route) => !(shareableRoutes as readonly string[]).includes(route));
    if (input.routes.length === 0 || unknownRoute !== undefined) {
      throw new Refusal('invalid', 'routes', `${unknownRoute === undefined ? 'is empty' : `has ${unknownRoute}, which is not shareable`}: give some of ${shareableRoutes.join(', ')}`);
    }
    for (const code of input.enterprises) {
      const problem = creditCodeProblem(code);
      if (problem) throw new Refusal('invalid', 'enterprises', problem);
    }
    if (input.enterprises.length === 0) throw new Refusal('invalid', 'enterprises', 'is empty: give the credit codes of the enterprises the key may read');
    if (!Number.isInteger(input.ratePerMinute) || input.ratePerMinute < 1 || input.ratePerMinute > 60_000) throw new Refusal('invalid', 'ratePerMinute', 'is not a whole number from 1 to 60000');
    const secret = `davy_k_${randomBytes(32).toString('base64url')}`;
    try {
      const [row] = await this.db.query<KeyRow>(
        `INSERT INTO api_keys (name, key_sha256, routes, enterprises, rate_per_minute, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
        [input.name, tokenDigest(secret), input.routes.join(','), input.enterprises.join(','), input.ratePerMinute, this.now()],
      );
      return { key: toKey(row!), secret };
    } catch (error) {
      if (constraintBroken(error) === 'unique') throw new Refusal('conflict', 'name', `there is an API key ${input.name} already`);
      throw error;
    }
  }

  async list(): Promise<ApiKey[]> {
    return (await this.db.query<KeyRow>(`SELECT ${columns} FROM api_keys ORDER BY id`)).map(toKey);
  }

  /** Revokes a key at once; true when there was a live one. */
  async revoke(id: number): Promise<boolean> {
    const [row] = await this.db.query<{ id: number }>(`SELECT id FROM api_keys WHERE id = $1 AND revoked_ms IS NULL`, [id]);
    if (!row) return false;
    await this.db.query('UPDATE api_keys SET revoked_ms = $1 WHERE id = $2', [this.now(), id]);
    return true;
  }

  /** The principal of a live key. */
  async authenticate(secret: string): Promise<Principal | undefined> {
    const [row] = await this.db.query<KeyRow>(`SELECT ${columns} FROM api_keys WHERE key_sha256 = $1 AND revoked_ms IS NULL`, [tokenDigest(secret)]);
    if (!row) return undefined;
    const key = toKey(row);
    return { kind: 'api-key', role: 'api_key', keyId: key.id, name: key.name, routes: key.routes, enterpriseCodes: key.enterprises, ratePerMinute: key.ratePerMinute };
  }
}
