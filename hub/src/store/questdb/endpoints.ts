/**
 * Where a QuestDB server is, from the store location
 * `questdb://[USER[:PASSWORD]@]HOST[:PG_PORT][?http=HTTP_PORT]`: the store queries it over its
 * PostgreSQL wire port (8812 unless given) and writes rows over the line protocol on its HTTP
 * port (9000 unless given). Without a user, QuestDB's own default user and password are used.
 */
export const questDbLocationHint = 'write questdb://HOST[:PG_PORT][?http=HTTP_PORT] (QuestDB listens on 8812 and 9000 unless set otherwise; add USER@ for a user other than admin)';

export interface QuestDbEndpoints {
  /** For the `pg` client. */
  pgUrl: string;
  /** For QuestDB's ILP client (`Sender.fromConfig`), without credentials. */
  ilpAddress: string;
  /** The HTTP server's base URL (health check, ILP). */
  httpUrl: string;
}

const defaultPgPort = 8812;
const defaultHttpPort = 9000;

const portOf = (text: string | null, fallback: number): number | undefined => {
  if (text === null || text === '') return fallback;
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65_535 ? port : undefined;
};

/** The endpoints a questdb:// location names; undefined when it names none. */
export function questDbEndpoints(location: string): QuestDbEndpoints | undefined {
  if (!location.startsWith('questdb://')) return undefined;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return undefined;
  }
  const pgPort = portOf(url.port, defaultPgPort);
  const httpPort = portOf(url.searchParams.get('http'), defaultHttpPort);
  const unknown = [...url.searchParams.keys()].filter((name) => name !== 'http');
  if (url.hostname === '' || pgPort === undefined || httpPort === undefined || unknown.length > 0 || (url.pathname !== '' && url.pathname !== '/')) return undefined;
  const user = url.username === '' ? 'admin:quest' : url.password === '' ? url.username : `${url.username}:${url.password}`;
  return {
    pgUrl: `postgres://${user}@${url.hostname}:${pgPort}/qdb`,
    ilpAddress: `${url.hostname}:${httpPort}`,
    httpUrl: `http://${url.hostname}:${httpPort}`,
  };
}
