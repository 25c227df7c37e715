/**
 * Makes sure the hub can be reached with a token at all: the operator's own (DAVY_HUB_TOKEN),
 * or, on first start, a generated one that the CLI prints once. Only digests are stored.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import { isBearerToken, tokenDigest } from './token-digest.js';

export async function ensureApiToken(store: Store, envToken: string | undefined): Promise<{ generated?: string }> {
  if (envToken !== undefined) {
    if (!isBearerToken(envToken)) {
      throw new Error('DAVY_HUB_TOKEN must be a bearer token: letters, digits and - . _ ~ + / (= only at the end), not empty, no spaces');
    }
    const digest = tokenDigest(envToken);
    if (!(await store.hasTokenDigest(digest))) await store.addTokenDigest('DAVY_HUB_TOKEN', digest);
    return {};
  }
  if ((await store.tokenCount()) > 0) return {};
  const generated = `davy_${randomBytes(32).toString('base64url')}`;
  await store.addTokenDigest('generated', tokenDigest(generated));
  return { generated };
}
