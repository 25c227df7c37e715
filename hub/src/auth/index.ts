export { ensureApiToken } from './api-token.js';
export { bearerAuth } from './bearer.js';
export { tokenDigest } from './token-digest.js';
