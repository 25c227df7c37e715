/**
 * The Modbus side of `pnpm bench modbus`, in its own process so that the simulators and the
 * agent under test never share an event loop: N davy-sim Modbus TCP servers on 127.0.0.1, one
 * port each (N real devices). Prints `{"ports":[…]}` once listening; then answers each `cpu`
 * line on stdin with `{"cpuUs":…}` (its own CPU time, user + system, in µs) so the benchmark can
 * show the servers were not the limit. Exits when stdin ends (the benchmark closed it, or died).
 *
 * Run: node --conditions=source --import tsx bench/modbus/server-process.ts [devices]
 */
import { createInterface } from 'node:readline';
import { createLogger } from '@davy/runtime';
import { startModbusSimulator, type ModbusSimulator } from '../../simulators/src/index.js';
import { benchProfile } from './profile.js';

const devices = Number(process.argv[2] ?? 20);
if (!Number.isInteger(devices) || devices < 1 || devices > 200) {
  console.error(`devices must be 1…200, not ${process.argv[2]}`);
  process.exit(2);
}
// A guard for an orphan: however the benchmark ends, this process does not outlive it by much.
const maxLifeMs = 10 * 60_000;
setTimeout(() => process.exit(3), maxLifeMs).unref();

const logger = createLogger({ component: 'bench-sim', level: 'warn' });
const profile = benchProfile('1s');
const simulators: ModbusSimulator[] = [];
for (let i = 0; i < devices; i++) {
  simulators.push(await startModbusSimulator({ profile, host: '127.0.0.1', port: 0, logger }));
}
process.stdout.write(JSON.stringify({ ports: simulators.map((simulator) => simulator.port) }) + '\n');

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line.trim() === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.stdout.write(JSON.stringify({ cpuUs: user + system }) + '\n');
  }
});
input.on('close', () => {
  void Promise.all(simulators.map((simulator) => simulator.close())).finally(() => process.exit(0));
});
