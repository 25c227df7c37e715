/**
 * pnpm bench opcua: OPC UA notifications per second the agent takes in, and its CPU, with
 * 1,000 and 10,000 monitored items, next to a bare node-opcua client subscribed to the same
 * items of the same server in the same run (no Davy driver, no pipeline: it only counts).
 *
 * The server is davy-sim opcua in its own process, serving a generated profile whose values
 * all change on every tick: 1,000 items sampled every 100 ms and 10,000 every 1 s, about 10,000
 * notifications/s each, published every 500 ms. The agent side is the real path: OpcuaDriver →
 * PointPipeline → Outbox (SQLite in a temp dir, sync full, the default). Each set-up warms up for
 * 3 s, then is measured for 5 s; bare and agent alternate, twice, and the figures are medians.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, sleep } from '@davy/runtime';
import { ManagedProcess } from '@davy/runtime/testing';
import type { PointReading, ReadingSink } from '../edge-agent/src/drivers/driver.js';
import { opcuaDeviceSchema } from '../edge-agent/src/drivers/opcua/opcua-config.js';
import { resolveOpcuaDevice } from '../edge-agent/src/drivers/opcua/opcua-device.js';
import { OpcuaDriver } from '../edge-agent/src/drivers/opcua/opcua-driver.js';
import { Outbox } from '../edge-agent/src/outbox/outbox.js';
import { PointPipeline } from '../edge-agent/src/pipeline/point-pipeline.js';
import { loadProfile } from '../edge-agent/src/profiles/index.js';
import { bareSubscription } from './opcua/bare-client.js';
import { machine, median, printFigures, type Figure } from './support/report.js';

const warmupMs = 3_000;
const windowMs = 5_000;
const repetitions = 2;
const publishingIntervalMs = 500;
const sizes = [
  { items: 1_000, samplingMs: 100 },
  { items: 10_000, samplingMs: 1_000 },
];

interface Window {
  notificationsPerS: number;
  cpuCores: number;
  serverCpuCores: number;
  rssBytes: number;
}

/** CPU seconds (user + system) a process has used, from /proc. */
function processCpuS(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(count: () => number, serverPid: number): Promise<Window> {
  await sleep(warmupMs);
  const start = performance.now();
  const cpu = process.cpuUsage();
  const serverCpu = processCpuS(serverPid);
  const first = count();
  await sleep(windowMs);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    notificationsPerS: (count() - first) / seconds,
    cpuCores: (used.user + used.system) / 1e6 / seconds,
    serverCpuCores: (processCpuS(serverPid) - serverCpu) / seconds,
    rssBytes: process.memoryUsage().rss,
  };
}

export async function run(): Promise<void> {
  console.log(machine());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'davy-bench-opcua-'));
  const log = createLogger({ component: 'bench-opcua', level: 'warn' });
  const figures: Figure[] = [];
  try {
    for (const { items, samplingMs } of sizes) {
      const profileFile = path.join(dir, `load-${items}.yaml`);
      const lines = Array.from({ length: items }, (_, i) => `  - { name: v${i}, nodeId: 'nsu=urn:davy-bench:load;s=Load.V${i}', dataType: Double, metric: load, unit: '', simulate: { kind: counter, start: ${i}, ratePerS: 1 } }`);
      writeFileSync(profileFile, ['protocol: opcua', 'model: bench load', 'namespace: urn:davy-bench:load', 'points:', ...lines, ''].join('\n'));
      const sim = ManagedProcess.davy('simulators', ['opcua', '--profile', profileFile, '--port', '0', '--tick', String(samplingMs), '--pki', path.join(dir, 'sim-pki')], { name: 'davy-sim opcua' });
      try {
        const { endpoint } = await sim.waitForEvent('opcua.listening', 120_000);
        const profile = loadProfile(profileFile);
        const spec = resolveOpcuaDevice(
          opcuaDeviceSchema.parse({ name: 'bench', protocol: 'opcua', profile: profileFile, endpoint, samplingInterval: samplingMs, publishingInterval: publishingIntervalMs, timeout: '10s', pki: path.join(dir, 'pki') }),
          profile,
          { configDir: dir, dataDir: dir },
        );
        const bare: Window[] = [];
        const agent: Window[] = [];
        for (let repetition = 1; repetition <= repetitions; repetition++) {
          const client = await bareSubscription(String(endpoint), spec, items);
          try {
            bare.push(await measure(() => client.notifications, sim.pid));
          } finally {
            await client.close();
          }
          const outbox = Outbox.open(path.join(dir, `outbox-${items}-${repetition}.db`), { maxBytes: 8 * 1024 ** 3, sync: 'full', log });
          const pipeline = new PointPipeline('bench-gateway', [spec], outbox, log);
          let notifications = 0;
          const sink: ReadingSink = {
            readings(device: string, readings: PointReading[]) {
              notifications += readings.length;
              pipeline.readings(device, readings);
            },
            event: (device, event) => pipeline.event(device, event),
            deviceDiscovered: () => false,
          };
          const driver = new OpcuaDriver(spec, log);
          driver.start(sink);
          try {
            agent.push(await measure(() => notifications, sim.pid));
          } finally {
            await driver.stop();
            pipeline.flush();
            outbox.close();
          }
          const [b, a] = [bare.at(-1)!, agent.at(-1)!];
          process.stderr.write(
            `  ${items} items, run ${repetition}/${repetitions}: bare ${Math.round(b.notificationsPerS)}/s (cpu ${pct(b.cpuCores)}, sim ${pct(b.serverCpuCores)}), ` +
              `agent ${Math.round(a.notificationsPerS)}/s (cpu ${pct(a.cpuCores)}, sim ${pct(a.serverCpuCores)})\n`,
          );
        }
        const label = `${items.toLocaleString('en-US')} items @ ${samplingMs} ms`;
        const m = (windows: Window[], pick: (w: Window) => number) => median(windows.map(pick));
        figures.push(
          {
            measure: `notifications/s, ${label}`,
            value: m(agent, (w) => w.notificationsPerS),
            unit: 'notifications/s',
            ceiling: m(bare, (w) => w.notificationsPerS),
            note: `nominal ${Math.round((items * 1000) / samplingMs).toLocaleString('en-US')}/s; davy-sim used ${pct(m(agent, (w) => w.serverCpuCores))} of a core (bare ${pct(m(bare, (w) => w.serverCpuCores))})`,
          },
          {
            measure: `agent CPU, ${label}`,
            value: m(agent, (w) => w.cpuCores) * 100,
            unit: '% of a core',
            ceiling: m(bare, (w) => w.cpuCores) * 100,
            note: 'driver → pipeline → outbox (sync full) vs a bare client that only counts; lower is better',
          },
          {
            measure: `CPU per 10k notifications/s, ${label}`,
            value: (m(agent, (w) => w.cpuCores) * 100) / (m(agent, (w) => w.notificationsPerS) / 10_000),
            unit: '% of a core',
            ceiling: (m(bare, (w) => w.cpuCores) * 100) / (m(bare, (w) => w.notificationsPerS) / 10_000),
            note: `RSS ${Math.round(m(agent, (w) => w.rssBytes) / 2 ** 20)} MiB`,
          },
        );
      } finally {
        await sim.stop();
      }
    }
    console.log(`davy-sim opcua in a child process, every value changing each tick; publishing every ${publishingIntervalMs} ms; ${repetitions} runs of ${warmupMs / 1000} s warm-up + ${windowMs / 1000} s, medians`);
    printFigures(figures);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pct(cores: number): string {
  return `${(cores * 100).toFixed(0)} %`;
}
