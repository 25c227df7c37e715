/**
 * pnpm demo: a hub, three simulated devices (a three-phase meter, a coal-mine sensor station,
 * a belt scale) and an agent polling them, all on this machine, until Ctrl-C. Prints where to
 * look and a curl to try.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ManagedProcess, freePort, repoRoot, waitFor } from '@davy/runtime/testing';

// Overridable so the demo's own test runs beside a demo someone is using.
const demoDir = process.env.DAVY_DEMO_DIR ?? path.join(repoRoot, '.demo');
const defaultPorts = process.env.DAVY_DEMO_ANY_PORT !== '1';
const devices = [
  { name: 'meter-1', profile: 'three-phase-meter' },
  { name: 'gas-station-1', profile: 'coal-mine-sensor-station' },
  { name: 'belt-scale-1', profile: 'belt-scale' },
];
const started = Date.now();
const processes: ManagedProcess[] = [];

/** Children's warnings and errors reach the console; their routine log lines stay quiet. */
function watch(child: ManagedProcess): ManagedProcess {
  processes.push(child);
  child.onLine((line) => {
    if (/"level":"(warn|error)"/.test(line) || !line.startsWith('{')) console.log(`[${child.name}] ${line}`);
  });
  void child.exited.then(({ code, signal }) => {
    if (!stopping) {
      console.error(`[${child.name}] exited (${signal ?? code}); stopping the demo`);
      void stop(1);
    }
  });
  return child;
}

/** The documented default port when it is free, any free port otherwise. */
async function portOr(preferred: number): Promise<number> {
  const isFree = await new Promise<boolean>((resolve) => {
    const server = net.createServer().once('error', () => resolve(false));
    server.listen(preferred, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  return isFree ? preferred : freePort();
}

let stopping = false;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(processes.map((child) => child.stop()));
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

rmSync(demoDir, { recursive: true, force: true });
mkdirSync(demoDir, { recursive: true });
const token = `davy_demo_${randomBytes(16).toString('hex')}`;
const httpPort = defaultPorts ? await portOr(8080) : await freePort();
const grpcPort = defaultPorts ? await portOr(9090) : await freePort();

const simPorts = await Promise.all(
  devices.map(async (device) => {
    const sim = watch(ManagedProcess.davy('simulators', ['modbus', '--profile', device.profile, '--port', '0'], { name: `sim ${device.name}` }));
    return (await sim.waitForEvent('modbus.listening')).port as number;
  }),
);

const hub = watch(
  ManagedProcess.davy('hub', ['start', '--data', path.join(demoDir, 'hub'), '--http', `127.0.0.1:${httpPort}`, '--grpc', `127.0.0.1:${grpcPort}`], {
    name: 'hub',
    env: { DAVY_HUB_TOKEN: token },
  }),
);
await hub.waitForEvent('http.listening');

const configFile = path.join(demoDir, 'agent.yaml');
writeFileSync(
  configFile,
  [
    '# Written by pnpm demo: an agent polling three simulated devices every second.',
    'gateway: { id: gw-demo-mine, enterprise: 91350100M000100Y43, site: Demo coal mine (simulated) }',
    `hub: { address: 127.0.0.1:${grpcPort} }`,
    'outbox: { path: outbox.db }',
    'devices:',
    ...devices.map((device, index) => `  - { name: ${device.name}, protocol: modbus-tcp, profile: ${device.profile}, host: 127.0.0.1, port: ${simPorts[index]}, pollInterval: 1s }`),
    '',
  ].join('\n'),
);
watch(ManagedProcess.davy('edge-agent', ['start', '--config', configFile], { name: 'agent' }));

const api = `http://127.0.0.1:${httpPort}/api/v1`;
const latest = await waitFor(
  async () => {
    const response = await fetch(`${api}/series/latest`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { items: Array<{ device: string }> };
    return devices.every((device) => body.items.some((item) => item.device === device.name)) ? body.items : undefined;
  },
  { what: 'values of all three devices in /series/latest', timeoutMs: 30_000, intervalMs: 100 },
);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const from = new Date(Date.now() - 10 * 60_000).toISOString();
const to = new Date(Date.now() + 60 * 60_000).toISOString();

console.log(`
Davy demo is running (${latest.length} series from ${devices.length} simulated devices, first values after ${seconds} s).

  REST API   ${api}   (OpenAPI: ${api}/openapi.json)
  token      ${token}
  agent      ${path.relative(repoRoot, configFile)}   (try: pnpm agent status -c ${path.relative(repoRoot, configFile)})

Try:
  curl -s -H "Authorization: Bearer ${token}" ${api}/series/latest
  curl -s -H "Authorization: Bearer ${token}" "${api}/series/history?key=gw-demo-mine/gas-station-1/ch4_working_face&from=${from}&to=${to}&step=1m&agg=max"

Ctrl-C stops everything.
`);
console.log(JSON.stringify({ event: 'demo.ready', api, token, seconds: Number(seconds) }));
