/**
 * The webhooks platform admins subscribe: where the hub posts alarm changes, from which
 * severity on, and the secret it signs them with. The secret is kept in clear — an HMAC needs
 * the key itself, a digest would not do — and is handed out once, when the webhook is made.
 */
import { randomBytes } from 'node:crypto';
import { severities, type Severity } from '../alarms/rule-tables.js';
import { Refusal } from '../refusal.js';
import { allowPrivateHint, inwardHost } from './address-policy.js';
import type { SqlDatabase } from '../registry/sql/sql-database.js';

export interface Webhook {
  id: number;
  url: string;
  description: string | null;
  /** Changes of alarms of this severity or worse are posted. */
  minSeverity: Severity;
  createdBy: string;
  createdMs: number;
}

export interface NewWebhook {
  url: string;
  description?: string;
  minSeverity?: Severity;
}

interface WebhookRow {
  id: number;
  url: string;
  description: string | null;
  min_severity: Severity;
  created_by: string;
  created_ms: number;
}

const columns = 'id, url, description, min_severity, created_by, created_ms';

function toWebhook(row: WebhookRow): Webhook {
  return { id: row.id, url: row.url, description: row.description, minSeverity: row.min_severity, createdBy: row.created_by, createdMs: row.created_ms };
}

/** Why `url` cannot be a webhook's; undefined when it can. */
function urlProblem(url: string, allowPrivate: boolean): string | undefined {
  const fix = 'write it as http://HOST[:PORT]/PATH or https://HOST[:PORT]/PATH';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL: ${fix}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `${JSON.stringify(url)} is not an http or https URL (its scheme is ${parsed.protocol.slice(0, -1)}): ${fix}`;
  // Listed to admins and named in logs: a password there would leak. The signature is the authentication.
  if (parsed.username !== '' || parsed.password !== '') return 'has a user or password in it: give the URL without credentials; receivers authenticate the hub by the signature';
  const inward = allowPrivate ? undefined : inwardHost(parsed.hostname);
  if (inward) return `${inward}: ${allowPrivateHint}`;
  return undefined;
}

export class WebhookSubscriptions {
  constructor(
    private readonly db: SqlDatabase,
    /** Receivers on loopback, private or link-local addresses may be subscribed (address-policy.ts). */
    private readonly allowPrivate: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** Makes a webhook; returns it with its secret, which is never returned again. */
  async create(input: NewWebhook, createdBy: string): Promise<{ webhook: Webhook; secret: string }> {
    const problem = urlProblem(input.url, this.allowPrivate);
    if (problem) throw new Refusal('invalid', 'url', problem);
    const minSeverity = input.minSeverity ?? 'minor';
    if (!severities.includes(minSeverity)) throw new Refusal('invalid', 'minSeverity', `is not one of ${severities.join(', ')}`);
    const secret = randomBytes(32).toString('base64url');
    const [row] = await this.db.query<WebhookRow>(
      `INSERT INTO webhooks (url, description, min_severity, secret, created_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
      [input.url, input.description ?? null, minSeverity, secret, createdBy, this.now()],
    );
    return { webhook: toWebhook(row!), secret };
  }

  async list(): Promise<Webhook[]> {
    return (await this.db.query<WebhookRow>(`SELECT ${columns} FROM webhooks ORDER BY id`)).map(toWebhook);
  }

  async get(id: number): Promise<Webhook | undefined> {
    const [row] = await this.db.query<WebhookRow>(`SELECT ${columns} FROM webhooks WHERE id = $1`, [id]);
    return row && toWebhook(row);
  }

  /** Removes a webhook with its deliveries, pending ones included; false when there was none. */
  async remove(id: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ id: number }>('SELECT id FROM webhooks WHERE id = $1', [id]);
      if (!row) return false;
      await tx.query('DELETE FROM webhook_deliveries WHERE webhook_id = $1', [id]);
      await tx.query('DELETE FROM webhooks WHERE id = $1', [id]);
      return true;
    });
  }
}
