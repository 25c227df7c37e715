/** A webhook receiver for tests: a real HTTP server on 127.0.0.1 that keeps every request and answers as the test says. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@davy/runtime/testing';

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** When its body had arrived (Date.now()). */
  atMs: number;
  /** Settles when the exchange ended: answered, or the connection closed by the hub. */
  ended: Promise<void>;
}

export class TestReceiver {
  readonly received: ReceivedRequest[] = [];
  /** The status for the n-th request (from 0), or 'hang' for none at all. */
  answer: (index: number) => number | 'hang' = () => 200;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<TestReceiver> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new TestReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/davy`);
    server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const ended = new Promise<void>((resolve) => response.on('close', resolve));
        const index = receiver.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: Date.now(), ended }) - 1;
        const status = receiver.answer(index);
        if (status !== 'hang') response.writeHead(status).end();
      });
    });
    return receiver;
  }

  /** The requests once `count` have arrived. */
  async waitForRequests(count: number): Promise<ReceivedRequest[]> {
    return waitFor(() => this.received.length >= count && this.received, { what: `${count} webhook requests at ${this.url}`, intervalMs: 10 });
  }

  /** Each request's Davy-Event, in the order they came. */
  events(): string[] {
    return this.received.map((request) => String(request.headers['davy-event']));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
