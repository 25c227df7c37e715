/**
 * pnpm bench rtu: polls/s of the live slaves on one Modbus RTU line when one slave on it is
 * dead, next to the same line with no dead slave. The dead slave is backed off (tried at 1, 2,
 * 4 … s, jittered), so the live slaves should lose at most the share of the line that the dead
 * slave's timeouts take — that share is measured too, from the dead driver's timeouts.
 *
 * Each line is davy-sim serving four gas flow computers (one 15-register read per poll) as RTU
 * over TCP, in its own process; on the second line a fifth unit id is configured in the agent but
 * nobody answers it. Both lines are polled at the same time by the same agent process, so
 * whatever else the machine does weighs on both alike. Two speeds: replies as late as a 9600-baud
 * RS-485 line would give them (the field's usual speed), and as fast as loopback allows (where
 * the 4 ms inter-frame gap and timer latency set the pace). The drivers poll every 1 ms, so a
 * line is never idle: the rate measured is what it carries. 3 runs per speed, each 2 s of warm-up
 * (time for the dead slave to go offline) and 10 s measured; the figures are medians.
 */
import path from 'node:path';
import { createLogger, sleep } from '@davy/runtime';
import { ManagedProcess } from '@davy/runtime/testing';
import type { PointReading, ReadingSink } from '../edge-agent/src/drivers/driver.js';
import { LinePool } from '../edge-agent/src/drivers/modbus-rtu/line-pool.js';
import { modbusRtuOverTcpDeviceSchema } from '../edge-agent/src/drivers/modbus-rtu/rtu-config.js';
import { resolveModbusRtuOverTcpDevice } from '../edge-agent/src/drivers/modbus-rtu/rtu-device.js';
import { ModbusRtuDriver } from '../edge-agent/src/drivers/modbus-rtu/rtu-driver.js';
import { bundledProfilesDir, loadProfile } from '../edge-agent/src/profiles/index.js';
import { machine, median, printFigures, type Figure } from './support/report.js';

const profileName = 'gas-flow-computer';
const liveUnits = [1, 2, 3, 4];
const deadUnit = 5;
const timeoutMs = 200;
const warmupMs = 2_000;
const windowMs = 10_000;
const repetitions = 3;
const speeds = [
  { label: '9600-baud line', lineSpeed: 9600 },
  { label: 'loopback line', lineSpeed: undefined },
];

interface Run {
  /** Polls/s (every reading good) of each live slave, on the line without and with the dead slave. */
  clean: number[];
  withDead: number[];
  deadTries: number;
  /** Share of the window the dead slave's timeouts held its line. */
  deadShare: number;
}

async function simulatedLine(lineSpeed: number | undefined): Promise<{ sim: ManagedProcess; port: number }> {
  const units = liveUnits.flatMap((unitId) => ['--unit', `${unitId}=${profileName}`]);
  const speed = lineSpeed === undefined ? [] : ['--line-speed', String(lineSpeed)];
  const sim = ManagedProcess.davy('simulators', ['modbus', '--rtu-over-tcp', '--port', '0', ...units, ...speed]);
  return { sim, port: (await sim.waitForEvent('modbus.listening', 30_000)).port as number };
}

async function measure(cleanPort: number, deadPort: number): Promise<Run> {
  const log = createLogger({ component: 'bench-rtu', level: 'error' });
  const profile = loadProfile(path.join(bundledProfilesDir, `${profileName}.yaml`));
  const pool = new LinePool();
  const goodPolls = new Map<string, number>();
  const sink: ReadingSink = {
    readings(device: string, readings: PointReading[]) {
      if (readings.every((reading) => reading.quality === 'good')) goodPolls.set(device, (goodPolls.get(device) ?? 0) + 1);
    },
    event: () => undefined,
    deviceDiscovered: () => false,
  };
  const driver = (line: string, port: number, unitId: number) => {
    const document = modbusRtuOverTcpDeviceSchema.parse({ name: `${line}-${unitId}`, protocol: 'modbus-rtu-over-tcp', profile: profileName, host: '127.0.0.1', port, unitId, pollInterval: 1, timeout: timeoutMs });
    return new ModbusRtuDriver(resolveModbusRtuOverTcpDevice(document, profile), log, pool);
  };
  const drivers = [...liveUnits.map((unitId) => driver('clean', cleanPort, unitId)), ...[...liveUnits, deadUnit].map((unitId) => driver('dead', deadPort, unitId))];
  const dead = drivers.at(-1)!;
  for (const each of drivers) each.start(sink);
  try {
    await sleep(warmupMs);
    const timeoutsAtStart = dead.health().errors.timeout ?? 0;
    const pollsAtStart = new Map(goodPolls);
    const started = performance.now();
    await sleep(windowMs);
    const seconds = (performance.now() - started) / 1000;
    const rates = (line: string) => liveUnits.map((unitId) => ((goodPolls.get(`${line}-${unitId}`) ?? 0) - (pollsAtStart.get(`${line}-${unitId}`) ?? 0)) / seconds);
    const deadTries = (dead.health().errors.timeout ?? 0) - timeoutsAtStart;
    return { clean: rates('clean'), withDead: rates('dead'), deadTries, deadShare: (deadTries * timeoutMs) / 1000 / seconds };
  } finally {
    await Promise.all(drivers.map((each) => each.stop()));
  }
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

export async function run(): Promise<void> {
  console.log(machine());
  const figures: Figure[] = [];
  for (const { label, lineSpeed } of speeds) {
    const [clean, dead] = await Promise.all([simulatedLine(lineSpeed), simulatedLine(lineSpeed)]);
    try {
      const runs: Run[] = [];
      for (let repetition = 1; repetition <= repetitions; repetition += 1) {
        const result = await measure(clean.port, dead.port);
        runs.push(result);
        process.stderr.write(`  ${label}, run ${repetition}/${repetitions}: live polls/s ${sum(result.clean).toFixed(1)} without, ${sum(result.withDead).toFixed(1)} with the dead slave (${result.deadTries} timeouts)\n`);
      }
      const cleanRate = median(runs.map((r) => sum(r.clean)));
      const deadRate = median(runs.map((r) => sum(r.withDead)));
      const share = median(runs.map((r) => r.deadShare));
      const drop = median(runs.map((r) => 1 - sum(r.withDead) / sum(r.clean)));
      const perSlave = (rates: (r: Run) => number[]) => liveUnits.map((_, i) => median(runs.map((r) => rates(r)[i]!)).toFixed(1)).join(' / ');
      figures.push(
        { measure: `${label}: 4 live slaves, no dead one`, value: cleanRate, unit: 'polls/s', note: `per slave ${perSlave((r) => r.clean)}` },
        {
          measure: `${label}: the same 4, a 5th slave dead`,
          value: deadRate,
          unit: 'polls/s',
          ceiling: cleanRate,
          note: `per slave ${perSlave((r) => r.withDead)}; drop ${(drop * 100).toFixed(1)} % ${drop <= share ? '≤' : '>'} the dead slave's timeout share ${(share * 100).toFixed(1)} %`,
        },
        {
          measure: `${label}: dead slave's tries in ${windowMs / 1000} s`,
          value: median(runs.map((r) => r.deadTries)),
          unit: 'tries',
          note: `${timeoutMs} ms timeout each; backed off after 3 in a row (1 s, 2 s, 4 s … jittered); tried at every poll it would be about ${Math.round(windowMs / (timeoutMs + (1000 * liveUnits.length) / cleanRate))}`,
        },
      );
    } finally {
      await Promise.all([clean.sim.stop(), dead.sim.stop()]);
    }
  }
  console.log(
    `${profileName} × ${liveUnits.length} on each of two RTU-over-TCP lines (davy-sim, one process each), polled at once; on the second, unit ${deadUnit} is dead; ` +
      `poll every 1 ms, gap 4 ms; ${repetitions} runs of ${warmupMs / 1000} s + ${windowMs / 1000} s per speed, medians`,
  );
  printFigures(figures);
}
