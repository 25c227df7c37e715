export { ManagedProcess, runDavy, davyCliArgs, repoRoot, type DavyPackage, type LogEvent } from './process.js';
export { waitFor, tempDir } from './wait.js';
export { TcpProxy } from './tcp-proxy.js';
export { acceptsConnections, freePort } from './free-port.js';
export { TestPostgres, type TestPostgresOptions } from './postgres.js';
export { TestNats } from './nats.js';
export { TestQuestDb, QUESTDB_VERSION, questDbJarPath, type TestQuestDbOptions } from './questdb.js';
export { seededRandom } from './seeded-random.js';
