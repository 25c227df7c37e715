/**
 * Whether a store error means the database cannot be reached right now (down, restarting,
 * the line cut) rather than a bad request: the caller should try again later.
 */
const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03']);

export function isStoreUnavailable(error: unknown): boolean {
  const details = error as { code?: unknown; message?: unknown } | null;
  if (!details || typeof details !== 'object') return false;
  const code = typeof details.code === 'string' ? details.code : '';
  // PostgreSQL's class 08 is "connection exception"; 57P0x is a shutdown or a restart.
  if (unreachableCodes.has(code) || code.startsWith('08')) return true;
  const message = typeof details.message === 'string' ? details.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
}
