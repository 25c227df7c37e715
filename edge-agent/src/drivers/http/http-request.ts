/**
 * One request to a device's JSON endpoint, with its headers and credentials, bounded by the
 * device's timeout (answer included). A failure says what kind it is, for the error counts, and
 * names the endpoint without credentials or query.
 */
import { errorMessage } from '@davy/runtime';
import { readSecret } from '../json-mapping/secret-source.js';
import { safeUrl, type HttpDevice } from './http-device.js';

export type HttpFailureKind = 'config' | 'timeout' | 'connection' | 'http-status';

export class HttpFailure extends Error {
  constructor(
    readonly kind: HttpFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** The response body of a 2xx answer; throws HttpFailure. */
export async function requestJson(device: HttpDevice): Promise<string> {
  const where = `${device.method} ${safeUrl(device.url)}`;
  let headers: Record<string, string>;
  try {
    headers = requestHeaders(device);
  } catch (error) {
    throw new HttpFailure('config', errorMessage(error));
  }
  let response: Response;
  try {
    response = await fetch(device.url, { method: device.method, headers, body: device.body, signal: AbortSignal.timeout(device.timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new HttpFailure('http-status', `${where} answered ${response.status} ${response.statusText}`.trim());
    }
    return await response.text();
  } catch (error) {
    if (error instanceof HttpFailure) throw error;
    if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new HttpFailure('timeout', `${where}: no complete answer within ${device.timeoutMs} ms`);
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new HttpFailure('connection', `${where}: ${cause?.code ?? cause?.message ?? errorMessage(error)}`);
  }
}

function requestHeaders(device: HttpDevice): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...device.headers };
  for (const [name, env] of Object.entries(device.headersFromEnv)) headers[name] = readSecret({ env });
  if (device.auth?.type === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${device.auth.username}:${readSecret({ env: device.auth.passwordEnv })}`).toString('base64')}`;
  } else if (device.auth?.type === 'bearer') {
    headers.authorization = `Bearer ${readSecret({ env: device.auth.tokenEnv })}`;
  }
  if (device.body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  return headers;
}
