/**
 * A running hub: the store, gRPC ingest into it through the commit queue, and the REST API
 * over it. The CLI, the demo, tests and benchmarks all start a hub through here.
 */
import path from 'node:path';
import type { Logger } from '@davy/runtime';
import { createApi, serveApi } from './api/index.js';
import { ensureApiToken } from './auth/index.js';
import { CommitQueue } from './ingest/commit-queue.js';
import { startGrpcIngest } from './ingest/grpc/grpc-ingest.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { HostPort } from '@davy/runtime';

export interface HubOptions {
  dataDir: string;
  http: HostPort;
  grpc: HostPort;
  /** DAVY_HUB_TOKEN: a token to accept, instead of generating one. */
  envToken?: string;
  sqliteSync?: 'full' | 'normal';
  log: Logger;
}

export interface RunningHub {
  httpPort: number;
  grpcPort: number;
  /** Set when this start generated the API token: the caller shows it once. */
  generatedToken?: string;
  close(): Promise<void>;
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const file = path.join(options.dataDir, 'hub.db');
  const store = SqliteStore.open(file, { sync: options.sqliteSync, log: options.log });
  options.log.info('store.opened', { engine: 'sqlite', file });
  const { generated } = await ensureApiToken(store, options.envToken);
  const grpc = await startGrpcIngest({ ...options.grpc, queue: new CommitQueue(store), log: options.log });
  const api = createApi({ store, log: options.log });
  const http = await serveApi(api, options.http);
  options.log.info('http.listening', { host: options.http.host, port: http.port });
  return {
    httpPort: http.port,
    grpcPort: grpc.port,
    generatedToken: generated,
    close: async () => {
      await Promise.all([grpc.close(), http.close()]);
      await store.close();
    },
  };
}
