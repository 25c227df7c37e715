/**
 * Runs a contract on both databases a registry lives in: a SQLite file (a new one each time it
 * asks) and a PostgreSQL database (a new one each time, on a private server the file starts).
 */
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { tempDir, TestPostgres } from '@davy/runtime/testing';
import type { StoreLocation } from '../../src/store/store-location.js';

export type RegistryLocation = () => Promise<{ store: StoreLocation; dataDir: string }>;

export function onBothRegistries(name: string, contract: (engine: string, location: RegistryLocation) => void): void {
  const folders: Array<() => void> = [];
  afterAll(() => folders.forEach((remove) => remove()));
  contract('SQLite', async () => {
    const { dir, remove } = tempDir(`davy-${name}-`);
    folders.push(remove);
    return { store: { engine: 'sqlite', file: path.join(dir, 'hub.db') }, dataDir: dir };
  });

  let server: TestPostgres;
  let databases = 0;
  beforeAll(async () => {
    server = await TestPostgres.start();
  });
  afterAll(() => server?.close());
  contract('PostgreSQL', async () => ({ store: { engine: 'postgres', url: await server.createDatabase(`${name}_${++databases}`) }, dataDir: '/nonexistent' }));
}
