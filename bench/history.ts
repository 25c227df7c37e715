/**
 * GET /api/v1/series/history latency on the PostgreSQL store: "one day at 1-minute buckets
 * over a year of 10-second data for 1,000 series", 20 clients at once, each sending its next
 * request as soon as the last is answered, next to a raw ceiling measured in the same run.
 *
 * A year of 10-second data for 1,000 series is 3.15 billion raw rows: too many to make here.
 * A 1-minute history of a whole UTC day is answered from that day's `rollup_1m` partition
 * alone, plus the raw samples of commits not yet folded (history.ts), so the store is given
 * what matters to that query and to its tables' sizes (history/dataset.ts): every partition
 * of a year, the 1-hour rollups of the whole year, the 1-minute rollups of the days queried
 * and the raw samples of the last of them.
 *
 * - Hub: `davy-hub start --store <url>` in its own process (as in production: bearer token
 *   checked, series looked up by key, history, JSON), asked over keep-alive HTTP.
 * - Ceiling: the store's history statement (`PostgresStore.history`, the same SQL the route
 *   runs) called in-process on a pool of the same size, the same 20 at once, same duration.
 * - CPU per request of each process involved (hub, this process as the client, PostgreSQL),
 *   from /proc: on a small shared machine the hub's figure is mostly a matter of CPU.
 * - Every store call one request makes (token, key, history) in-process: what is left
 *   between it and the hub is HTTP, validation and JSON.
 */
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@davy/runtime';
import { ManagedProcess, tempDir, TestPostgres } from '@davy/runtime/testing';
import { PostgresStore } from '../hub/src/store/postgres/postgres-store.js';
import { generateDataset, seriesCount, type Dataset, type DatasetShape } from './history/dataset.js';
import { ownCpuSeconds, postmasterPid, processCpuSeconds, processTreeCpuSeconds } from './history/cpu.js';
import { closedLoop, type LoadOptions, type LoadResult } from './history/load.js';
import { HubClient, storeHistory, storeRequestCalls } from './history/requests.js';
import { machine, printFigures, type Figure } from './support/report.js';

/** The same server settings as bench/ingest.ts: durable commits, 1 GB of shared buffers, checkpoints spaced out. */
const postgresSettings = { fsync: 'on', shared_buffers: '1GB', max_wal_size: '8GB', checkpoint_timeout: '30min' };

/** A week of days queried (1-minute rollups), the raw samples of the newest; two connections make them. */
const shape: DatasetShape = { minuteDays: 7, rawDays: 1, workers: 2 };

/** 10-second samples of every series for a day. */
const rawRowsPerDay = seriesCount * 8_640;
const clients = 20;
const warmupMs = 3_000;
const durationMs = 15_000;
const token = 'davy_bench_history';

const sum = (parts: Record<string, number>) => Object.values(parts).reduce((a, b) => a + b, 0);
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');
const secondsText = (s: number) => `${s.toFixed(1)} s`;
const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function describe(dataset: Dataset): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const { rows, partitions, seconds } = dataset;
  return [
    `data (made in ${secondsText(seconds.total)} by SQL INSERT … SELECT generate_series into the store's own tables, ${shape.workers} connections):`,
    `  series     ${thousands(rows.series)} (10-second sampling)`,
    `  rollup_1h  ${thousands(rows.rollup1h)} rows: every hour of ${day(dataset.yearFromMs)} … ${day(dataset.yearToMs - 1)} for every series (${secondsText(seconds.rollup1h)})`,
    `  rollup_1m  ${thousands(rows.rollup1m)} rows: every minute of the ${shape.minuteDays} days queried, ${day(dataset.queriedDays[0]!)} … ${day(dataset.queriedDays.at(-1)!)} (${secondsText(seconds.rollup1m)})`,
    `  samples    ${thousands(rows.samples)} raw 10-second rows: the last ${shape.rawDays} day(s), all folded (${secondsText(seconds.samples)})`,
    `  partitions ${partitions.samples} of samples, ${partitions.rollup1m} of rollup_1m (a day each), ${partitions.rollup1h} of rollup_1h (a month each) (${secondsText(seconds.partitions)}); vacuum/analyze ${secondsText(seconds.vacuum)}`,
    `  database   ${(dataset.databaseBytes / 2 ** 30).toFixed(2)} GiB`,
    `  not made: the other ${(((365 - shape.rawDays) * rawRowsPerDay) / 1e9).toFixed(2)} billion raw rows and the 1-minute rollups of the other ${365 - shape.minuteDays} days, which this query does not read`,
    `load: ${clients} clients, closed loop, keep-alive; each asks a random series (of ${seriesCount}) for a random one of the ${shape.minuteDays} days, 1m avg;`,
    `  ${warmupMs / 1000} s warm-up, then ${durationMs / 1000} s measured, per row; fold queue empty (no ingest during the run); PostgreSQL ${JSON.stringify(postgresSettings)}`,
  ].join('\n');
}

async function measureHub(url: string, dataset: Dataset, options: LoadOptions, postgresCpu: () => number): Promise<LoadResult> {
  const { dir, remove } = tempDir('davy-bench-history-');
  const hub = ManagedProcess.davy('hub', ['start', '--data', dir, '--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0', '--store', url], { env: { DAVY_HUB_TOKEN: token } });
  try {
    const port = (await hub.waitForEvent('http.listening', 60_000)).port as number;
    const client = new HubClient(port, token, dataset.keys, clients);
    try {
      return await closedLoop({ ...options, cpu: { hub: () => processCpuSeconds(hub.pid), client: ownCpuSeconds, postgres: postgresCpu } }, client.history);
    } finally {
      client.close();
    }
  } finally {
    await hub.stop();
    remove();
  }
}

export async function run(): Promise<Figure[]> {
  console.log(machine());
  const server = await TestPostgres.start({ settings: postgresSettings });
  try {
    const url = await server.createDatabase('bench_history');
    const dataset = await generateDataset(url, shape);
    console.log(describe(dataset));
    console.log(`load average before measuring: ${loadAverage()}`);
    const options: LoadOptions = { clients, warmupMs, durationMs, seriesIds: [...dataset.keys.keys()], days: dataset.queriedDays };
    const postmaster = postmasterPid(path.join(server.dir, 'data'));
    const postgresCpu = () => processTreeCpuSeconds(postmaster);
    const inProcess: LoadOptions = { ...options, cpu: { bench: ownCpuSeconds, postgres: postgresCpu } };

    const hub = await measureHub(url, dataset, options, postgresCpu);
    const store = await PostgresStore.open(url, { foldIntervalMs: 3_600_000, log: createLogger({ component: 'bench', level: 'error' }) });
    let ceiling: LoadResult;
    let calls: LoadResult;
    try {
      ceiling = await closedLoop(inProcess, storeHistory(store));
      calls = await closedLoop(inProcess, storeRequestCalls(store, dataset.keys, token));
    } finally {
      await store.close();
    }
    console.log(`load average after measuring: ${loadAverage()}`);

    const cpu = (r: LoadResult) =>
      Object.entries(r.cpuMsPerRequest)
        .map(([name, ms]) => `${name} ${ms.toPrecision(2)}`)
        .join(' + ');
    const counted = (r: LoadResult) => `${thousands(r.requests)} requests in ${r.seconds.toFixed(1)} s, max ${r.maxMs.toFixed(1)} ms`;
    const measure = `GET history, 1 day at 1m, ${clients} clients`;
    const figures: Figure[] = [
      { measure: `${measure}: p50`, value: hub.p50Ms, unit: 'ms', ceiling: ceiling.p50Ms, note: `hub: ${counted(hub)}; ceiling: the store's history SQL in-process (pool of 10 as the hub's), ${counted(ceiling)}` },
      { measure: `${measure}: p99`, value: hub.p99Ms, unit: 'ms', ceiling: ceiling.p99Ms, note: 'ratio: the hub\'s latency over the bare statement\'s' },
      { measure: `${measure}: throughput`, value: hub.perSecond, unit: 'requests/s', ceiling: ceiling.perSecond, note: `every answer checked: 200, 1,440 buckets of 6 samples` },
      { measure: '  (CPU per request, ms)', value: sum(hub.cpuMsPerRequest), unit: 'ms', ceiling: sum(ceiling.cpuMsPerRequest), note: `hub: ${cpu(hub)}; ceiling: ${cpu(ceiling)} (the processes measured; the machine has ${os.cpus().length} cores)` },
      {
        measure: '  (store calls of one request, in-process: p50)',
        value: calls.p50Ms,
        unit: 'ms',
        ceiling: ceiling.p50Ms,
        note: `token digest, key, history: p99 ${calls.p99Ms.toPrecision(3)} ms, ${thousands(calls.perSecond)} requests/s; the rest of the hub's figure is HTTP, validation, JSON`,
      },
    ];
    printFigures(figures);
    return figures;
  } finally {
    await server.close();
  }
}
