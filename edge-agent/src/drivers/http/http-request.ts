/**
 * One request to a device's JSON endpoint, with its headers and credentials, bounded by the
 * device's timeout (answer included). Made with node:http(s) rather than fetch: the device's
 * own CA (`tls.ca`) goes to the TLS handshake, and a redirect is never followed — a 3xx answer
 * is a failure naming where it points, so credentials meant for the device never travel to
 * another origin. A failure says what kind it is, for the error counts, and names the endpoint
 * without credentials or query.
 */
import http from 'node:http';
import https from 'node:https';
import { errorMessage } from '@davy/runtime';
import { readSecret } from '../json-mapping/secret-source.js';
import { safeUrl, type HttpDevice } from './http-device.js';

export type HttpFailureKind = 'config' | 'timeout' | 'connection' | 'tls' | 'http-status' | 'redirect';

export class HttpFailure extends Error {
  constructor(
    readonly kind: HttpFailureKind,
    message: string,
  ) {
    super(message);
  }
}

class Timeout extends Error {}

/** Node's codes for a server certificate that does not check out. */
const certificateCodes = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME/;

/** The response body of a 2xx answer; throws HttpFailure. `ca`: the device's CA (tls.ca), read by the caller. */
export async function requestJson(device: HttpDevice, ca?: Buffer): Promise<string> {
  const where = `${device.method} ${safeUrl(device.url)}`;
  let headers: Record<string, string>;
  try {
    headers = requestHeaders(device);
  } catch (error) {
    throw new HttpFailure('config', errorMessage(error));
  }
  const url = new URL(device.url);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<string>((resolve, reject) => {
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: Error | HttpFailure) => {
      clearTimeout(timer);
      reject(error instanceof HttpFailure ? error : failureOf(timedOut ? new Timeout() : error, where, device, ca !== undefined));
    };
    let request: http.ClientRequest;
    try {
      request = client.request(url, { method: device.method, headers, ...(url.protocol === 'https:' && ca ? { ca } : {}) }, (response) => {
        const status = response.statusCode ?? 0;
        const statusLine = `${status} ${response.statusMessage ?? ''}`.trim();
        if (status >= 300 && status < 400) {
          response.resume();
          const location = response.headers.location;
          const target = location === undefined ? 'no Location' : URL.canParse(location, url.href) ? safeUrl(new URL(location, url).href) : `"${location}"`;
          return fail(new HttpFailure('redirect', `${where} answered ${statusLine}, redirecting to ${target}: not followed (the request's credentials would go along); put the final URL in agent.yaml`));
        }
        if (status < 200 || status >= 300) {
          response.resume();
          return fail(new HttpFailure('http-status', `${where} answered ${statusLine}`));
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve(Buffer.concat(chunks).toString('utf8'));
        });
        response.on('error', fail);
      });
    } catch (error) {
      // A header value Node refuses (a newline in a secret, say).
      return reject(new HttpFailure('config', `${where}: ${errorMessage(error)}`));
    }
    timer = setTimeout(() => {
      timedOut = true;
      request.destroy(new Timeout());
    }, device.timeoutMs);
    request.on('error', fail);
    request.end(device.body);
  });
}

function failureOf(error: Error, where: string, device: HttpDevice, ownCa: boolean): HttpFailure {
  if (error instanceof Timeout) return new HttpFailure('timeout', `${where}: no complete answer within ${device.timeoutMs} ms`);
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && certificateCodes.test(code)) {
    return new HttpFailure('tls', `${where}: ${code}: the device's certificate does not check out against ${ownCa ? 'tls.ca' : "Node's CA store (a private CA goes in tls.ca)"}`);
  }
  return new HttpFailure('connection', `${where}: ${code ?? errorMessage(error)}`);
}

function requestHeaders(device: HttpDevice): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...device.headers };
  for (const [name, env] of Object.entries(device.headersFromEnv)) headers[name] = readSecret({ env });
  if (device.auth?.type === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${device.auth.username}:${readSecret({ env: device.auth.passwordEnv })}`).toString('base64')}`;
  } else if (device.auth?.type === 'bearer') {
    headers.authorization = `Bearer ${readSecret({ env: device.auth.tokenEnv })}`;
  }
  if (device.body !== undefined) {
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(device.body));
  }
  return headers;
}
