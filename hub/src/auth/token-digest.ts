/**
 * API tokens are random 256-bit values, so a plain SHA-256 digest is enough to keep them: the
 * store holds only digests, and a request's token is checked by looking its digest up.
 */
import { createHash } from 'node:crypto';

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** RFC 6750 b64token: what can follow "Bearer " in an Authorization header. */
export function isBearerToken(text: string): boolean {
  return /^[A-Za-z0-9\-._~+/]+=*$/.test(text);
}
