/** The exactly-once cases of support/store-outage-cases.ts on a PostgreSQL server of the test's own. */
import { TestPostgres } from '@davy/runtime/testing';
import { storeOutageCases } from './support/store-outage-cases.js';

storeOutageCases(
  'PostgreSQL',
  async () => {
    const server = await TestPostgres.start();
    return { location: server.url(), kill: () => server.kill(), run: () => server.run(), close: () => server.close() };
  },
  { concurrent: true },
);
