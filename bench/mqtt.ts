/**
 * pnpm bench mqtt: how many MQTT messages per second the agent maps and commits to its outbox,
 * next to Mosquitto's own delivery rate to mosquitto_sub measured in the same run.
 *
 * Each consumer drains the same backlog: a persistent session (QoS 1) is opened once, Debian's
 * mosquitto_pub -l queues 100,000 EV charger status messages (ev-charger-mqtt, 4 chargers,
 * 6 points each, about 160 bytes) into it, and the time from connecting to the last message taken is
 * measured — so no publisher shares the measured window. Consumers:
 *  - raw ceiling: Debian's mosquitto_sub (C), printing nothing;
 *  - transport: the agent's MQTT transport (mqtt.js), counting messages, nothing else;
 *  - agent: MqttDriver → PointPipeline → Outbox (SQLite, sync full, the default; then normal),
 *    done when the outbox holds every reading (5 samples per message; the firmware text is an
 *    event only when it changes).
 * Mosquitto keeps its default of 20 QoS 1 messages in flight per subscriber. 3 runs, medians.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, sleep } from '@davy/runtime';
import { ManagedProcess, freePort } from '@davy/runtime/testing';
import type { ReadingSink } from '../edge-agent/src/drivers/driver.js';
import { BrokerClient } from '../edge-agent/src/drivers/mqtt/broker-client.js';
import { mqttDeviceSchema } from '../edge-agent/src/drivers/mqtt/mqtt-config.js';
import { resolveMqttDevice, type MqttDevice } from '../edge-agent/src/drivers/mqtt/mqtt-device.js';
import { MqttDriver } from '../edge-agent/src/drivers/mqtt/mqtt-driver.js';
import { Outbox } from '../edge-agent/src/outbox/outbox.js';
import { PointPipeline } from '../edge-agent/src/pipeline/point-pipeline.js';
import { bundledProfilesDir, loadProfile } from '../edge-agent/src/profiles/index.js';
import { machine, median, printFigures } from './support/report.js';

const messages = 100_000;
const chargers = 4;
const repetitions = 3;
const samplesPerMessage = 5;
const filter = 'chargers/+/status';
/** Bound for every drain, far above what one needs. */
const drainMaxMs = 120_000;

const log = createLogger({ component: 'bench-mqtt', level: 'warn' });

function exec(command: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: drainMaxMs, maxBuffer: 1024 * 1024 }, (error) => (error && !(command === 'mosquitto_sub' && args.includes('-W')) ? reject(error) : resolve()));
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Opens the persistent session (so the broker keeps what comes next for it), then queues the backlog. */
async function queueBacklog(port: number, clientId: string, payloads: string[]): Promise<void> {
  await exec('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-c', '-i', clientId, '-q', '1', '-t', filter, '-W', '1']);
  await Promise.all(
    Array.from({ length: chargers }, (_, index) =>
      exec('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-l', '-t', `chargers/c-${index + 1}/status`], payloads.slice(0, messages / chargers).join('\n') + '\n'),
    ),
  );
}

async function drainWithMosquittoSub(port: number, clientId: string): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-c', '-i', clientId, '-q', '1', '-t', filter, '-C', String(messages), '-F', ''], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill(), drainMaxMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`mosquitto_sub exited with ${code}`));
    });
  });
  return messages / ((performance.now() - started) / 1000);
}

async function drainWithTransport(device: MqttDevice): Promise<number> {
  const transport = new BrokerClient(device.connection, [filter], log);
  let count = 0;
  const started = performance.now();
  transport.start({ message: () => void (count += 1), connected: () => undefined, disconnected: () => undefined, problem: () => undefined });
  await until(() => count >= messages, 'the transport to drain the backlog');
  const rate = messages / ((performance.now() - started) / 1000);
  await transport.stop();
  return rate;
}

async function drainWithAgent(device: MqttDevice, dir: string, sync: 'full' | 'normal', repetition: number): Promise<{ messagesPerS: number; recordsPerS: number }> {
  const outbox = Outbox.open(path.join(dir, `outbox-${sync}-${repetition}.db`), { maxBytes: 8 * 1024 ** 3, sync, log });
  const pipeline = new PointPipeline('bench-gateway', [device], outbox, log);
  const driver = new MqttDriver(device, log);
  const firstSeq = outbox.lastSequence;
  const expected = messages * samplesPerMessage;
  const started = performance.now();
  driver.start(pipeline as ReadingSink);
  try {
    await until(() => outbox.lastSequence - firstSeq >= expected, 'the agent to commit the backlog');
    const seconds = (performance.now() - started) / 1000;
    if (driver.health().reads < messages) throw new Error(`the driver read ${driver.health().reads} of ${messages} messages`);
    return { messagesPerS: messages / seconds, recordsPerS: (outbox.lastSequence - firstSeq) / seconds };
  } finally {
    await driver.stop();
    pipeline.flush();
    outbox.close();
  }
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + drainMaxMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

export async function run(): Promise<void> {
  console.log(machine());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'davy-bench-mqtt-'));
  const port = await freePort();
  writeFileSync(path.join(dir, 'mosquitto.conf'), [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 1000000', 'max_queued_bytes 0', ''].join('\n'));
  const mosquitto = new ManagedProcess('mosquitto', 'mosquitto', ['-c', path.join(dir, 'mosquitto.conf')]);
  const profileFile = path.join(bundledProfilesDir, 'ev-charger-mqtt.yaml');
  const profile = loadProfile(profileFile);
  const deviceFor = (clientId: string) =>
    resolveMqttDevice(mqttDeviceSchema.parse({ name: 'chargers', protocol: 'mqtt', profile: profileFile, broker: `mqtt://127.0.0.1:${port}`, clientId, topics: { status: 'chargers/{device}/status', energy: 'chargers/{device}/energy' } }), profile);
  const payloads = Array.from({ length: messages / chargers }, (_, index) =>
    JSON.stringify({ ts: new Date(Date.UTC(2026, 10, 26) + index * 1000).toISOString(), connector: { status: 'Charging', power_kW: 7.2 + (index % 10) / 100, voltage_V: 230.4, current_A: 31.3 }, temperature_C: 38.5, firmware: '2.4.1' }),
  );
  try {
    await mosquitto.waitForLine((line) => line.includes(`listen socket on port ${port}`), 10_000, 'mosquitto listening');
    const results = { sub: [] as number[], transport: [] as number[], full: [] as Array<{ messagesPerS: number; recordsPerS: number }>, normal: [] as Array<{ messagesPerS: number; recordsPerS: number }> };
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      await queueBacklog(port, `bench-sub-${repetition}`, payloads);
      results.sub.push(await drainWithMosquittoSub(port, `bench-sub-${repetition}`));
      const transportDevice = deviceFor(`bench-tr-${repetition}`);
      await queueBacklog(port, transportDevice.connection.clientId, payloads);
      results.transport.push(await drainWithTransport(transportDevice));
      for (const sync of ['full', 'normal'] as const) {
        const device = deviceFor(`bench-${sync}-${repetition}`);
        await queueBacklog(port, device.connection.clientId, payloads);
        results[sync].push(await drainWithAgent(device, dir, sync, repetition));
      }
      const k = (value: number) => `${Math.round(value / 1000)}k`;
      process.stderr.write(
        `  run ${repetition}/${repetitions}, messages/s: mosquitto_sub ${k(results.sub.at(-1)!)}, transport ${k(results.transport.at(-1)!)}, agent full ${k(results.full.at(-1)!.messagesPerS)}, normal ${k(results.normal.at(-1)!.messagesPerS)}\n`,
      );
    }
    const ceiling = median(results.sub);
    console.log(`${messages.toLocaleString('en-US')} queued status messages (${chargers} chargers, 6 points, ~${payloads[0]!.length} B), QoS 1, drained from a persistent session; ${repetitions} runs, medians`);
    printFigures([
      { measure: 'agent: mapped and committed (sync full)', value: median(results.full.map((r) => r.messagesPerS)), unit: 'messages/s', ceiling, note: `MqttDriver → PointPipeline → Outbox; ${Math.round(median(results.full.map((r) => r.recordsPerS))).toLocaleString('en-US')} records/s` },
      { measure: '… outbox sync normal', value: median(results.normal.map((r) => r.messagesPerS)), unit: 'messages/s', ceiling, note: `${Math.round(median(results.normal.map((r) => r.recordsPerS))).toLocaleString('en-US')} records/s` },
      { measure: '… transport only (mqtt.js)', value: median(results.transport), unit: 'messages/s', ceiling, note: 'the agent\'s MQTT client counting messages: no mapping, no pipeline, no outbox' },
      { measure: 'Mosquitto → mosquitto_sub', value: ceiling, unit: 'messages/s', note: 'the raw ceiling: Mosquitto delivering the same backlog to its own client' },
    ]);
  } finally {
    await mosquitto.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
