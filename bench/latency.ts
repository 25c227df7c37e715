/**
 * End-to-end latency: from the agent's outbox append to the value visible in
 * GET /api/v1/series/latest, p50 and p99, at half the maximum rate of the same path, for the
 * agent's gRPC uplink into a hub on SQLite (its own process). The maximum is measured first in
 * the same run (a backlog drained through the uplink into the hub); then records are appended
 * at half of it, in a transaction every 10 ms, with a probe sample every 100 ms whose value is
 * its number, while a client reads the probe's latest value every 10 ms. A probe's latency is
 * from its append to the first read that shows it (or a later probe), so the reading interval
 * adds up to 10 ms. Measured with the default batchMaxAge (200 ms: the wait for a full batch)
 * and with 20 ms; the floor, in the same run: the probe alone, no other load, batchMaxAge 0.
 */
import path from 'node:path';
import { createLogger } from '@davy/runtime';
import { ManagedProcess, tempDir } from '@davy/runtime/testing';
import { Outbox } from '../edge-agent/src/outbox/outbox.js';
import type { NewRecord } from '../edge-agent/src/outbox/records.js';
import { GrpcUplink, type UplinkSettings } from '../edge-agent/src/uplink/grpc/grpc-uplink.js';
import { uplinkDrain } from './outbox.js';
import { machine, printFigures, type Figure } from './support/report.js';

const log = createLogger({ component: 'bench', level: 'error' });
const seriesCount = 2_000;
const token = 'davy_bench_latency';
const warmupMs = 2_000;
const measureMs = 15_000;
const appendEveryMs = 10;
const probeEveryMs = 100;
const readEveryMs = 10;
const gateway = { id: 'gw-bench', enterprise: '91350100M000100Y43', site: 'bench' };
const settingsWith = (batchMaxAge: number): UplinkSettings => ({ batchMaxRecords: 1000, batchMaxAge, window: 8, ackTimeout: 30_000, heartbeat: 10_000, reconnectMin: 500, reconnectMax: 5_000 });

interface Path {
  outbox: Outbox;
  probeSeries: number;
  hub: ManagedProcess;
  grpcPort: number;
  httpPort: number;
  close(): Promise<void>;
}

async function openPath(): Promise<Path> {
  const { dir, remove } = tempDir('davy-bench-latency-');
  const outbox = Outbox.open(path.join(dir, 'outbox.db'), { maxBytes: 16 * 1024 ** 3, sync: 'full', log });
  outbox.seriesIds(Array.from({ length: seriesCount }, (_, i) => ({ key: `gw-bench/dev/p${i}`, device: 'dev', point: `p${i}`, metric: 'voltage', unit: 'V', intervalMs: 1000 })));
  const probeSeries = outbox.seriesId({ key: 'gw-bench/probe/t', device: 'probe', point: 't', metric: 'probe', unit: '', intervalMs: probeEveryMs });
  const hub = ManagedProcess.davy('hub', ['start', '--data', path.join(dir, 'hub'), '--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0'], { env: { DAVY_HUB_TOKEN: token } });
  const grpcPort = (await hub.waitForEvent('grpc.listening')).port as number;
  const httpPort = (await hub.waitForEvent('http.listening')).port as number;
  return {
    outbox,
    probeSeries,
    hub,
    grpcPort,
    httpPort,
    close: async () => {
      await hub.stop();
      outbox.close();
      remove();
    },
  };
}

const sample = (i: number): NewRecord => ({ kind: 'sample', series: (i % seriesCount) + 1, timeMs: Date.now(), value: 230 + (i % 100) / 10, quality: 1 });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Probe latencies (ms, sorted) with `rate` records/s of other load appended beside the probes. */
async function latencies(rate: number, batchMaxAge: number): Promise<{ sorted: number[]; appendedRate: number }> {
  const path = await openPath();
  const uplink = new GrpcUplink({ host: '127.0.0.1', port: path.grpcPort }, gateway, settingsWith(batchMaxAge), path.outbox, log);
  const appendedAt: number[] = [];
  const measured: number[] = [];
  let seen = -1;
  let loadRecords = 0;
  let stopped = false;
  const startedMs = Date.now();
  uplink.start();
  // Each tick appends what the rate owes since the start, so a late timer does not lower the rate.
  const appendTimer = setInterval(() => {
    const owed = Math.floor((rate * (Date.now() - startedMs)) / 1000) - loadRecords;
    if (owed <= 0) return;
    path.outbox.append(Array.from({ length: owed }, (_, i) => sample(loadRecords + i)));
    loadRecords += owed;
  }, appendEveryMs);
  const probeTimer = setInterval(() => {
    const index = appendedAt.length;
    appendedAt.push(Date.now());
    path.outbox.append([{ kind: 'sample', series: path.probeSeries, timeMs: Date.now(), value: index, quality: 1 }]);
  }, probeEveryMs);
  const reader = (async () => {
    while (!stopped) {
      const response = await fetch(`http://127.0.0.1:${path.httpPort}/api/v1/series/latest?device=probe`, { headers: { authorization: `Bearer ${token}` } });
      const { items } = (await response.json()) as { items: Array<{ value: number }> };
      const value = items[0]?.value;
      const now = Date.now();
      if (value !== undefined && value > seen) {
        for (let index = seen + 1; index <= value; index += 1) if (appendedAt[index]! - startedMs >= warmupMs) measured.push(now - appendedAt[index]!);
        seen = value;
      }
      await new Promise((resolve) => setTimeout(resolve, readEveryMs));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, warmupMs + measureMs));
  clearInterval(appendTimer);
  clearInterval(probeTimer);
  stopped = true;
  await reader;
  const appendedRate = (loadRecords * 1000) / (Date.now() - startedMs);
  await uplink.stop();
  await path.close();
  return { sorted: measured.sort((a, b) => a - b), appendedRate };
}

export async function run(): Promise<Figure[]> {
  console.log(machine());
  // The path's maximum rate: a backlog drained through the uplink into the hub, as `pnpm bench outbox` measures it.
  const maximum = await uplinkDrain(300_000);
  const half = maximum / 2;
  const floor = await latencies(0, 0);
  const figures: Figure[] = [{ measure: 'gRPC → SQLite: maximum rate of the path (300k backlog drained)', value: maximum, unit: 'records/s' }];
  for (const batchMaxAge of [200, 20]) {
    const { sorted, appendedRate } = await latencies(half, batchMaxAge);
    const note = `${sorted.length} probes; load appended at ${Math.round(appendedRate).toLocaleString('en-US')} records/s (half the maximum: ${Math.round(half).toLocaleString('en-US')}); ceiling: the probe alone, batchMaxAge 0`;
    figures.push({ measure: `append → /series/latest p50, batchMaxAge ${batchMaxAge} ms, at half the maximum rate`, value: percentile(sorted, 50), unit: 'ms', ceiling: percentile(floor.sorted, 50), note });
    figures.push({ measure: `append → /series/latest p99, batchMaxAge ${batchMaxAge} ms`, value: percentile(sorted, 99), unit: 'ms', ceiling: percentile(floor.sorted, 99), note: `max ${sorted.at(-1)} ms` });
  }
  printFigures(figures);
  return figures;
}
