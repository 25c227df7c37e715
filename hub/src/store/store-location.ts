/**
 * Where the hub's store is, as written in --store, DAVY_HUB_STORE or hub.yaml: `sqlite:PATH`
 * (the embedded default), a PostgreSQL URL or a questdb:// location. A URL may hold a
 * password; what the hub logs or prints is always the URL without it.
 */
import path from 'node:path';
import { questDbEndpoints } from './questdb/endpoints.js';

export type StoreLocation = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string } | { engine: 'questdb'; url: string };

export const storeLocationHint =
  'write sqlite:PATH, postgres://USER@HOST:PORT/DATABASE for PostgreSQL (a password is better kept in PGPASSWORD or ~/.pgpass), ' +
  'or questdb://HOST[:PG_PORT][?http=HTTP_PORT] for QuestDB';

/** Query parameters of a connection URL that hold secrets. */
const secretParameter = /pass|secret|key|token/i;

/** The location `text` names, a relative SQLite path taken from `baseDir`; undefined when it names none. */
export function parseStoreLocation(text: string, baseDir: string): StoreLocation | undefined {
  if (text.startsWith('sqlite:')) {
    const file = text.slice('sqlite:'.length);
    return file === '' ? undefined : { engine: 'sqlite', file: path.resolve(baseDir, file) };
  }
  if (text.startsWith('questdb://')) return questDbEndpoints(text) ? { engine: 'questdb', url: text } : undefined;
  if (!/^postgres(ql)?:\/\//.test(text)) return undefined;
  try {
    // A host is needed: in the URL, or as ?host=/socket/folder for a Unix socket.
    const url = new URL(text);
    return url.hostname === '' && !url.searchParams.has('host') ? undefined : { engine: 'postgres', url: text };
  } catch {
    return undefined;
  }
}

/** The URL with any password (in the user part or a query parameter) replaced by ***. */
export function withoutPassword(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL, but it may still hold user:password@.
    return url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const name of [...parsed.searchParams.keys()]) if (secretParameter.test(name)) parsed.searchParams.set(name, '***');
  return parsed.toString().replaceAll('%2A%2A%2A', '***');
}

/** The location as logs and messages name it. */
export function describeStoreLocation(location: StoreLocation): string {
  return location.engine === 'sqlite' ? `sqlite:${location.file}` : withoutPassword(location.url);
}
