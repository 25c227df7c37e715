/**
 * The exactly-once cases of support/store-outage-cases.ts on a QuestDB server of the test's own
 * (one JVM each, so one case at a time).
 */
import { TestQuestDb } from '@davy/runtime/testing';
import { storeOutageCases } from './support/store-outage-cases.js';

storeOutageCases(
  'QuestDB',
  async () => {
    const server = await TestQuestDb.start();
    return { location: `questdb://127.0.0.1:${server.pgPort}?http=${server.httpPort}`, kill: () => server.kill(), run: () => server.run(), close: () => server.close() };
  },
  { concurrent: false },
);
