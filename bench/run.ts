/**
 * pnpm bench [name…]: runs the named benchmarks (all when none is named) and prints each
 * figure next to the raw ceiling measured in the same run. Never part of the test suite.
 */
const benchmarks: Record<string, () => Promise<unknown>> = {
  ingest: () => import('./ingest.js').then((bench) => bench.run()),
  outbox: () => import('./outbox.js').then((bench) => bench.run()),
  modbus: () => import('./modbus.js').then((bench) => bench.run()),
  opcua: () => import('./opcua.js').then((bench) => bench.run()),
  rtu: () => import('./rtu.js').then((bench) => bench.run()),
  mqtt: () => import('./mqtt.js').then((bench) => bench.run()),
  history: () => import('./history.js').then((bench) => bench.run()),
  latency: () => import('./latency.js').then((bench) => bench.run()),
  alarms: () => import('./alarms.js').then((bench) => bench.run()),
  reports: () => import('./reports.js').then((bench) => bench.run()),
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : Object.keys(benchmarks)) {
  console.log(`\n== ${name} ==`);
  await benchmarks[name]!();
}
