/**
 * pnpm bench modbus: how many Modbus registers per second the agent sustains against 20 devices
 * of 500 holding registers each, at what CPU and memory, next to a bare modbus-serial loop
 * reading the same registers from the same servers in the same run.
 *
 * The servers are davy-sim's Modbus TCP server, 20 ports in a child process
 * (bench/modbus/server-process.ts), so they never share this process's event loop. This process
 * runs the real agent path: ModbusTcpDriver per device (points resolved from a profile by
 * resolveModbusTcpDevice) → PointPipeline → Outbox (SQLite in a temp dir, sync full). The points
 * poll every 1 ms, so every poll overruns its interval and polls run back to back: the rate
 * measured is the sustained maximum (a poll that overruns waits for the next 1 ms boundary,
 * i.e. ≤ 1 ms, then the next poll starts). Besides the agent as configured by default (outbox
 * sync full), two variants split where the time goes: outbox sync normal, and the drivers alone
 * (a counting sink, no pipeline, no outbox). The bare loop reads each device in the fewest
 * requests the protocol allows (4 × 125); the agent's planner needs 5, since it never splits a
 * float32 across two reads (62 points = 124 registers per read).
 *
 * Each phase (bare loop, then the three agent set-ups) runs 3 times, interleaved; the figures
 * are medians. Every phase warms up for 1 s, then is measured for 5 s (about 80 s in all).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLogger, type Logger, sleep } from '@davy/runtime';
import type { PointReading, ReadingSink } from '../edge-agent/src/drivers/driver.js';
import { resolveModbusTcpDevice, type ModbusTcpDevice } from '../edge-agent/src/drivers/modbus/modbus-device.js';
import { modbusTcpDeviceSchema } from '../edge-agent/src/drivers/modbus/modbus-tcp-config.js';
import { ModbusTcpDriver, planPollGroups } from '../edge-agent/src/drivers/modbus/modbus-tcp-driver.js';
import { protocolLimits } from '../edge-agent/src/drivers/modbus/register-plan.js';
import { Outbox } from '../edge-agent/src/outbox/outbox.js';
import { PointPipeline } from '../edge-agent/src/pipeline/point-pipeline.js';
import { startBareLoops, type BareLoad } from './modbus/bare-loop.js';
import { benchProfile, pointsPerDevice, registersPerDevice, registersPerPoint } from './modbus/profile.js';
import { machine, median, printFigures } from './support/report.js';

const host = '127.0.0.1';
const deviceCount = 20;
const repetitions = 3;
const warmupMs = 1_000;
const windowMs = 5_000;
const pollInterval = '1ms';
/** Bounds for every load loop, far above what a phase needs. */
const phaseMaxMs = warmupMs + windowMs + 5_000;
const maxRequestsPerClient = 10_000_000;

const here = path.dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;


// ---------------------------------------------------------------- the servers' process

interface ServerProcess {
  ports: number[];
  /** CPU time (user + system) the server process has used so far, in µs. */
  cpuUs(): Promise<number>;
  stop(): Promise<void>;
}

async function startServerProcess(devices: number): Promise<ServerProcess> {
  // tsx's loader by absolute URL (resolved from the workspace root, where tsx is installed).
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const script = path.join(here, 'modbus', 'server-process.ts');
  const child: ChildProcess = spawn(process.execPath, ['--conditions=source', '--import', tsxLoader, script, String(devices)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let childExited = false;
  const waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      childExited = true;
      for (const waiter of waiting.splice(0)) waiter.reject(new Error(`bench/modbus/server-process.ts exited (${signal ?? code})`));
      resolve();
    }),
  );
  child.stdin!.on('error', () => undefined); // a write after it died fails in nextLine instead
  createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.resolve(line));
  const nextLine = (timeoutMs: number, what: string) =>
    new Promise<string>((resolve, reject) => {
      if (childExited) return reject(new Error('bench/modbus/server-process.ts is not running'));
      const timer = setTimeout(() => reject(new Error(`bench/modbus/server-process.ts: no ${what} within ${timeoutMs} ms`)), timeoutMs);
      waiting.push({
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  let ports: number[];
  try {
    ports = (JSON.parse(await nextLine(30_000, 'ports')) as { ports: number[] }).ports;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    ports,
    async cpuUs() {
      const reply = nextLine(5_000, 'cpu reply');
      child.stdin!.write('cpu\n');
      return (JSON.parse(await reply) as { cpuUs: number }).cpuUs;
    },
    async stop() {
      child.stdin!.end(); // the server process exits when its stdin ends
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- one measured window

interface Load {
  registers(): number;
  requests(): number;
  /** Called as the window starts, to take other positions with it. */
  windowStarts?(): void;
}

interface Window {
  seconds: number;
  registersPerS: number;
  requestsPerS: number;
  /** This process's CPU over the window, in cores (1 = one core busy all the time). */
  cpuCores: number;
  serverCpuCores: number;
  /** Registers/s of each whole second of the window, to show the rate was steady. */
  perSecond: number[];
}

/** Warm-up, then `windowMs` of measurement with a snapshot each second. */
async function measure(load: Load, server: ServerProcess): Promise<Window> {
  await sleep(warmupMs);
  const serverStart = await server.cpuUs();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  load.windowStarts?.();
  const registersStart = load.registers();
  const requestsStart = load.requests();
  const perSecond: number[] = [];
  let lastRegisters = registersStart;
  let lastMs = start;
  for (let second = 1; second <= Math.round(windowMs / 1000); second++) {
    await sleep(Math.max(0, start + second * 1000 - performance.now()));
    const now = performance.now();
    const registers = load.registers();
    perSecond.push(((registers - lastRegisters) * 1000) / (now - lastMs));
    lastRegisters = registers;
    lastMs = now;
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const registers = load.registers() - registersStart;
  const requests = load.requests() - requestsStart;
  const serverEnd = await server.cpuUs();
  return {
    seconds,
    registersPerS: registers / seconds,
    requestsPerS: requests / seconds,
    cpuCores: (cpu.user + cpu.system) / 1e6 / seconds,
    serverCpuCores: (serverEnd - serverStart) / 1e6 / seconds,
    perSecond,
  };
}

// ---------------------------------------------------------------- the two phases

async function barePhase(server: ServerProcess, blocks: Array<{ start: number; count: number }>): Promise<Window & { errors: number }> {
  const load: BareLoad = await startBareLoops(host, server.ports, blocks, { maxMs: phaseMaxMs, maxRequests: maxRequestsPerClient });
  try {
    const window = await measure(load, server);
    return { ...window, errors: load.errors() };
  } finally {
    await load.stop();
  }
}

/** What the drivers feed: the real pipeline and outbox, or (to isolate the drivers) nothing. */
interface AgentSide {
  devices: ModbusTcpDevice[];
  log: Logger;
  pipeline?: PointPipeline;
  outbox?: Outbox;
}

interface AgentWindow extends Window {
  badReadings: number;
  /** Records the outbox took in the window, per second (one per reading). */
  outboxRecordsPerS: number;
  /** Share of the window this process spent inside the sink (PointPipeline → Outbox.append). */
  sinkShare: number;
  rssBytes: number;
  heapUsedBytes: number;
}

async function agentPhase(server: ServerProcess, agent: AgentSide): Promise<AgentWindow> {
  let good = 0;
  let bad = 0;
  let sinkMs = 0;
  // The real pipeline (when there is one), with a count of what passes through it.
  const sink: ReadingSink = {
    readings(device: string, readings: PointReading[]) {
      for (const reading of readings) {
        if (reading.quality === 'good') good += 1;
        else bad += 1;
      }
      if (agent.pipeline) {
        const started = performance.now();
        agent.pipeline.readings(device, readings);
        sinkMs += performance.now() - started;
      }
    },
    event: (device, event) => agent.pipeline?.event(device, event),
    deviceDiscovered: (device, like) => agent.pipeline?.deviceDiscovered(device, like) ?? false,
  };
  const drivers = agent.devices.map((device) => new ModbusTcpDriver(device, agent.log));
  for (const driver of drivers) driver.start(sink);
  try {
    const onlineBy = performance.now() + 10_000;
    while (!drivers.every((driver) => driver.health().state === 'online')) {
      if (performance.now() > onlineBy) throw new Error(`devices not online within 10 s: ${JSON.stringify(drivers.map((driver) => driver.health()).filter((h) => h.state !== 'online'))}`);
      await sleep(20);
    }
    let seqStart = 0;
    let badStart = 0;
    let sinkMsStart = 0;
    const load: Load = {
      registers: () => good * registersPerPoint,
      requests: () => drivers.reduce((sum, driver) => sum + driver.health().reads, 0),
      windowStarts: () => {
        seqStart = agent.outbox?.lastSequence ?? 0;
        badStart = bad;
        sinkMsStart = sinkMs;
      },
    };
    const window = await measure(load, server);
    const outboxRecords = (agent.outbox?.lastSequence ?? 0) - seqStart;
    const memory = process.memoryUsage();
    return {
      ...window,
      badReadings: bad - badStart,
      outboxRecordsPerS: outboxRecords / window.seconds,
      sinkShare: (sinkMs - sinkMsStart) / 1000 / window.seconds,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
    };
  } finally {
    await Promise.all(drivers.map((driver) => driver.stop()));
  }
}

// ---------------------------------------------------------------- the benchmark

/** The agent set-ups measured, headline first. */
const variants = [
  { key: 'full', label: 'agent registers/s (20 × 500)', about: 'drivers → pipeline → outbox, sync full (the default)' },
  { key: 'normal', label: '… outbox sync normal', about: 'drivers → pipeline → outbox, sync normal' },
  { key: 'drivers', label: '… drivers only', about: 'drivers → a counting sink: no pipeline, no outbox' },
] as const;
type VariantKey = (typeof variants)[number]['key'];

export async function run(): Promise<void> {
  console.log(machine());
  const rssBeforeBytes = process.memoryUsage().rss;
  const log = createLogger({ component: 'bench-modbus', level: 'warn' });
  const server = await startServerProcess(deviceCount);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'davy-bench-modbus-'));
  const outboxes: Outbox[] = [];
  try {
    const profile = benchProfile(pollInterval);
    const devices = server.ports.map((port, index) =>
      resolveModbusTcpDevice(modbusTcpDeviceSchema.parse({ name: `bench-${index + 1}`, protocol: 'modbus-tcp', profile: profile.name, host, port }), profile),
    );
    const groups = planPollGroups(devices[0]!);
    if (groups.length !== 1) throw new Error(`expected one poll group, the planner made ${groups.length}`);
    const reads = groups[0]!.reads;
    const limit = protocolLimits.maxRegisters;
    const minimumRequests = Math.ceil(registersPerDevice / limit);
    // The bare loop reads the device in the fewest requests the protocol allows: 4 × 125.
    const bareBlocks = Array.from({ length: minimumRequests }, (_, index) => ({
      start: index * limit,
      count: Math.min(limit, registersPerDevice - index * limit),
    }));

    // An agent starts by defining a series per point in its outbox; timed for the sync full one.
    const sides = {} as Record<VariantKey, AgentSide>;
    let setupMs = 0;
    for (const sync of ['full', 'normal'] as const) {
      const started = performance.now();
      const outbox = Outbox.open(path.join(dir, `outbox-${sync}.db`), { maxBytes: 8 * 1024 * MiB, sync, log });
      outboxes.push(outbox);
      const pipeline = new PointPipeline('bench-gateway', devices, outbox, log);
      if (sync === 'full') setupMs = performance.now() - started;
      sides[sync] = { devices, log, pipeline, outbox };
    }
    sides.drivers = { devices, log };

    const bare: Array<Awaited<ReturnType<typeof barePhase>>> = [];
    const agents: Record<VariantKey, AgentWindow[]> = { full: [], normal: [], drivers: [] };
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      const b = await barePhase(server, bareBlocks);
      bare.push(b);
      const line = [`bare ${k(b.registersPerS)} (cpu ${pct(b.cpuCores)}, sim ${pct(b.serverCpuCores)})`];
      for (const { key } of variants) {
        const a = await agentPhase(server, sides[key]);
        agents[key].push(a);
        line.push(`${key} ${k(a.registersPerS)} (cpu ${pct(a.cpuCores)}, sim ${pct(a.serverCpuCores)})`);
      }
      process.stderr.write(`  run ${repetition}/${repetitions}, registers/s: ${line.join(', ')}\n`);
    }

    const m = median;
    const full = agents.full;
    const bareRegisters = m(bare.map((b) => b.registersPerS));
    const agentRequests = m(full.map((a) => a.requestsPerS));
    const bareRequests = m(bare.map((b) => b.requestsPerS));
    // % of one core per 10,000 registers/s, per run, then the median.
    const cpuPer10k = (w: Window) => (w.cpuCores * 100) / (w.registersPerS / 10_000);
    const points = (deviceCount * pointsPerDevice).toLocaleString('en-US');
    const badReadings = Object.values(agents).flat().reduce((sum, a) => sum + a.badReadings, 0);
    const bareErrors = bare.reduce((sum, b) => sum + b.errors, 0);
    const pointsPerRead = Math.floor(limit / registersPerPoint);

    console.log(
      `${deviceCount} devices × ${registersPerDevice} holding registers (${pointsPerDevice} float32 points, ABCD) = ${points} points; ` +
        `davy-sim, ${deviceCount} ports, in a child process; pollInterval ${pollInterval}; ${repetitions} runs of ${warmupMs / 1000} s warm-up + ${windowMs / 1000} s, medians`,
    );
    printFigures([
      ...variants.map(({ key, label, about }) => ({
        measure: label,
        value: m(agents[key].map((a) => a.registersPerS)),
        unit: 'registers/s',
        ceiling: bareRegisters,
        note: `${about}; per second ${range(agents[key].flatMap((a) => a.perSecond))} (bare ${range(bare.flatMap((b) => b.perSecond))})`,
      })),
      {
        measure: 'requests/s',
        value: agentRequests,
        unit: 'requests/s',
        ceiling: bareRequests,
        note:
          `a device's poll cycle ${cycleMs(agentRequests, reads.length)} ms (sync normal ${cycleMs(m(agents.normal.map((a) => a.requestsPerS)), reads.length)}, ` +
          `drivers only ${cycleMs(m(agents.drivers.map((a) => a.requestsPerS)), reads.length)}); bare ${cycleMs(bareRequests, bareBlocks.length)} ms per ${bareBlocks.length} reads`,
      },
      {
        measure: 'requests per poll cycle',
        value: reads.length,
        unit: 'requests',
        ceiling: minimumRequests,
        note: `planner: ${reads.map((read) => read.count).join(' + ')} registers (a float32 is never split: ${pointsPerRead} points per read); ⌈${registersPerDevice}/${limit}⌉ = ${minimumRequests}`,
      },
      {
        measure: 'CPU per 10k registers/s',
        value: m(full.map(cpuPer10k)),
        unit: '% of a core',
        ceiling: m(bare.map(cpuPer10k)),
        note:
          `lower is better; sync normal ${m(agents.normal.map(cpuPer10k)).toFixed(2)} %, drivers only ${m(agents.drivers.map(cpuPer10k)).toFixed(2)} %; ` +
          `process ${pct(m(full.map((a) => a.cpuCores)))} (bare ${pct(m(bare.map((b) => b.cpuCores)))}), simulators ${pct(m(full.map((a) => a.serverCpuCores)))} (bare ${pct(m(bare.map((b) => b.serverCpuCores)))})`,
      },
      {
        measure: 'registers/s per core',
        value: m(full.map((a) => a.registersPerS / a.cpuCores)),
        unit: 'registers/s',
        ceiling: m(bare.map((b) => b.registersPerS / b.cpuCores)),
        note: `registers/s ÷ this process's CPU time; drivers only ${k(m(agents.drivers.map((a) => a.registersPerS / a.cpuCores)))}`,
      },
      {
        measure: 'readings into the outbox',
        value: m(full.map((a) => a.outboxRecordsPerS)),
        unit: 'records/s',
        note:
          `one transaction per event-loop turn, sync full, in ${os.tmpdir()}; ${pct(m(full.map((a) => a.sinkShare)))} of the time inside the pipeline (sync normal ${pct(m(agents.normal.map((a) => a.sinkShare)))}); ` +
          `${badReadings} bad readings, ${bareErrors} bare errors`,
      },
      {
        measure: 'RSS, 20 drivers running',
        value: m(full.map((a) => a.rssBytes)) / MiB,
        unit: 'MiB',
        note: `${points} points, sync full; heap used ${(m(full.map((a) => a.heapUsedBytes)) / MiB).toFixed(0)} MiB; this process at start ${(rssBeforeBytes / MiB).toFixed(0)} MiB`,
      },
      {
        measure: 'outbox set-up, 5,000 series',
        value: setupMs,
        unit: 'ms',
        note: 'Outbox.open + new PointPipeline (a series row per point), sync full',
      },
    ]);
  } finally {
    for (const outbox of outboxes) outbox.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One device's poll cycle in ms, from the requests/s of all devices. */
function cycleMs(requestsPerS: number, requestsPerCycle: number): string {
  return ((deviceCount * requestsPerCycle * 1000) / requestsPerS).toFixed(2);
}

function k(value: number): string {
  return `${Math.round(value / 1000).toLocaleString('en-US')}k`;
}

function pct(cores: number): string {
  return `${(cores * 100).toFixed(0)} %`;
}

function range(values: number[]): string {
  if (values.length === 0) return '–';
  return `${k(Math.min(...values))}–${k(Math.max(...values))}`;
}
