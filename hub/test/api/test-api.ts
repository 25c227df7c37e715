/** The API on a real SqliteStore in a temp folder, with a token, its log lines captured. */
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createLogger } from '@davy/runtime';
import { tempDir } from '@davy/runtime/testing';
import { createApi } from '../../src/api/index.js';
import { ensureApiToken } from '../../src/auth/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

export interface TestApi {
  store: SqliteStore;
  app: OpenAPIHono;
  token: string;
  logLines: string[];
  /** GET with the token (or the given Authorization, or none with null). */
  get(url: string, authorization?: string | null): Promise<Response>;
  /** GET with the token, expecting 200, returning the JSON body. */
  json<T = Record<string, unknown>>(url: string): Promise<T>;
  close(): Promise<void>;
}

export async function openTestApi(options: { now?: () => number; onlineWindowMs?: number; wrapStore?: (store: Store) => Store } = {}): Promise<TestApi> {
  const folder = tempDir('davy-api-');
  const store = SqliteStore.open(path.join(folder.dir, 'hub.db'));
  const { generated } = await ensureApiToken(store, undefined);
  const token = generated!;
  const logLines: string[] = [];
  const log = createLogger({ component: 'api', level: 'debug', sink: { write: (line) => logLines.push(line) } });
  const app = createApi({ store: options.wrapStore?.(store) ?? store, log, now: options.now, onlineWindowMs: options.onlineWindowMs });
  const get = (url: string, authorization: string | null = `Bearer ${token}`) =>
    Promise.resolve(app.request(url, { headers: authorization === null ? {} : { Authorization: authorization } }));
  return {
    store,
    app,
    token,
    logLines,
    get,
    async json<T>(url: string): Promise<T> {
      const response = await get(url);
      const body = (await response.json()) as T;
      if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${JSON.stringify(body)}`);
      return body;
    },
    async close() {
      await store.close();
      folder.remove();
    },
  };
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: Array<{ name: string; in: string; detail: string }>;
}

/** The problem body of a response, after checking its status and media type. */
export async function problemOf(response: Response, status: number): Promise<ProblemBody> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  if (response.headers.get('content-type') !== 'application/problem+json') throw new Error(`not a problem: ${response.headers.get('content-type')}`);
  return JSON.parse(text) as ProblemBody;
}
