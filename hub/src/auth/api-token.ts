/**
 * Makes sure the hub can be reached with a token, and with no other: the operator's own
 * (DAVY_HUB_TOKEN) when given, else one generated at first start that the CLI shows once.
 * Only digests are stored.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import { isBearerToken, tokenDigest } from './token-digest.js';

const envLabel = 'DAVY_HUB_TOKEN';
const generatedLabel = 'generated';

export async function ensureApiToken(store: Store, envToken: string | undefined): Promise<{ generated?: string }> {
  if (envToken !== undefined) {
    if (!isBearerToken(envToken)) {
      throw new Error('DAVY_HUB_TOKEN must be a bearer token: letters, digits and - . _ ~ + / (= only at the end), not empty, no spaces');
    }
    // The operator's token is then the only one: a rotated or generated one stops working.
    await store.replaceTokenDigests([{ label: envLabel, sha256Hex: tokenDigest(envToken) }]);
    return {};
  }
  const current = await store.tokenDigests();
  const generatedBefore = current.filter((token) => token.label === generatedLabel);
  // DAVY_HUB_TOKEN is gone: its token stops working, a generated one (if any) carries on.
  if (generatedBefore.length !== current.length) await store.replaceTokenDigests(generatedBefore);
  if (generatedBefore.length > 0) return {};
  const generated = `davy_${randomBytes(32).toString('base64url')}`;
  await store.replaceTokenDigests([{ label: generatedLabel, sha256Hex: tokenDigest(generated) }]);
  return { generated };
}
