/**
 * One HTTP POST of a webhook delivery, with node:http(s) on agents of its own: every attempt
 * ends within its timeout or when it is aborted, and close() destroys every connection, so a
 * closed hub leaves no socket behind. Redirects are not followed: a receiver answers itself.
 */
import http from 'node:http';
import https from 'node:https';
import { allowPrivateHint, inwardHost, publicLookup } from './address-policy.js';

export interface HttpAnswer {
  status: number;
  statusText: string;
}

export class HttpPoster {
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  /** `allowPrivate`: receivers on loopback, private or link-local addresses may be posted to (address-policy.ts). */
  constructor(private readonly allowPrivate: boolean) {}

  /**
   * Posts `body` and waits for the whole answer (drained, not kept: only the status counts).
   * Rejects on a connection that fails, no complete answer within `timeoutMs`, or `signal`.
   */
  post(url: URL, headers: Record<string, string>, body: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<HttpAnswer> {
    const { timeoutMs, signal } = options;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Error('aborted'));
      // An address written in the URL is connected to without a lookup: checked here; a name, at its lookup.
      const inward = this.allowPrivate ? undefined : inwardHost(url.hostname);
      if (inward) return reject(new Error(`${inward}: ${allowPrivateHint}`));
      const secure = url.protocol === 'https:';
      const request = (secure ? https : http).request(url, {
        method: 'POST',
        agent: secure ? this.agents.https : this.agents.http,
        ...(this.allowPrivate ? {} : { lookup: publicLookup }),
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
      });
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
        outcome();
      };
      const abort = () => request.destroy(new Error('aborted'));
      const timer = setTimeout(() => request.destroy(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
      signal.addEventListener('abort', abort, { once: true });
      request.on('response', (response) => {
        response.on('error', (error) => settle(() => reject(error)));
        response.on('end', () => settle(() => resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '' })));
        response.resume();
      });
      request.on('error', (error) => settle(() => reject(error)));
      // Whatever ended the exchange without an answer or an error (a socket closed mid-answer).
      request.on('close', () => settle(() => reject(new Error('the connection closed before the answer was complete'))));
      request.end(body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
