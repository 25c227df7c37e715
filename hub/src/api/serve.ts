/** Puts the API on a TCP port with Node's HTTP server; port 0 picks a free one. */
import { serve } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';

export interface ServedApi {
  /** The port bound (the one picked when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

export function serveApi(app: OpenAPIHono, address: { host: string; port: number }): Promise<ServedApi> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: address.host, port: address.port }, (info) => {
      server.off('error', reject);
      resolve({
        port: info.port,
        close: () => new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done()))),
      });
    });
    server.once('error', reject);
  });
}
