/**
 * `davy-sim mqtt` seen from Debian's mosquitto_sub through Debian's Mosquitto: the JSON the
 * chargers publish, an injected malformed payload, the Sparkplug B births (decoded by the
 * agent's generated protobuf code, which this simulator does not use), a pinned clock, and its
 * usage errors.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { ManagedProcess, runDavy } from '@davy/runtime/testing';
import { sparkplugB } from '../../proto/src/index.js';
import { startMosquitto } from '../../edge-agent/test/fixtures/mqtt/mosquitto.js';

const sparkplugProfile = path.resolve(import.meta.dirname, '../../edge-agent/test/fixtures/mqtt/ev-charger-sparkplug.yaml');

/** mosquitto_sub until it has `count` messages, as "topic payload" lines (payload in hex with `hex`). */
function subscribe(context: TestContext, port: number, filter: string, count: number, hex = false): { ready: Promise<void>; lines: Promise<string[]> } {
  // Line-buffered, so the SUBACK line arrives before the messages rather than at exit.
  const child = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-t', filter, '-C', String(count), '-q', '1', '-F', hex ? '%t %x' : '%t %p', '-d', '-W', '20']);
  context.onTestFinished(() => void child.kill());
  let output = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('received SUBACK')) markReady();
  });
  const lines = new Promise<string[]>((resolve) =>
    child.on('close', () => resolve(output.split('\n').filter((line) => line !== '' && !line.startsWith('Client ') && !line.startsWith('Subscribed ')))),
  );
  return { ready, lines };
}

const sim = (context: TestContext, args: string[]) => {
  const process = ManagedProcess.davy('simulators', ['mqtt', ...args]);
  context.onTestFinished(() => process.stop());
  return process;
};

describe('davy-sim mqtt', () => {
  it.concurrent('publishes each charger\'s status and energy as the profile maps them', async (context) => {
    const broker = await startMosquitto(context);
    const sub = subscribe(context, broker.port, 'chargers/#', 4);
    await sub.ready;
    const process = sim(context, ['--broker', broker.url, '--profile', 'ev-charger-mqtt', '--devices', '2', '--rounds', '1', '--interval', '100ms']);
    const lines = await sub.lines;
    expect(await process.exited).toEqual({ code: 0, signal: null });
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['chargers/charger-1/status', 'chargers/charger-1/energy', 'chargers/charger-2/status', 'chargers/charger-2/energy']);
    const status = JSON.parse(lines[0]!.slice(lines[0]!.indexOf(' ') + 1)) as { ts: string; connector: Record<string, unknown>; firmware: string; temperature_C: number };
    expect(Object.keys(status)).toEqual(['ts', 'connector', 'temperature_C', 'firmware']);
    expect(Object.keys(status.connector)).toEqual(['status', 'power_kW', 'voltage_V', 'current_A']);
    expect([status.connector.status, status.firmware]).toEqual(['Charging', '24']);
    expect(Math.abs(Date.parse(status.ts) - Date.now())).toBeLessThan(10_000);
    const energy = JSON.parse(lines[1]!.slice(lines[1]!.indexOf(' ') + 1)) as { meter: { energy_Wh: number; session_Wh: number } };
    expect(energy.meter.energy_Wh).toBeGreaterThanOrEqual(15_230_400);
    expect(energy.meter.energy_Wh).toBeLessThan(15_231_000);
    expect(process.events().map((event) => event.event)).toEqual(['mqtt.connected', 'mqtt.rounds_done', 'mqtt.stopped']);
  });

  it.concurrent('injects a malformed payload on schedule', async (context) => {
    const broker = await startMosquitto(context);
    const sub = subscribe(context, broker.port, 'chargers/charger-1/status', 1);
    await sub.ready;
    sim(context, ['--broker', broker.url, '--profile', 'ev-charger-mqtt', '--interval', '10s', '--fault', 'malformed@200ms']);
    expect(await sub.lines).toEqual(['chargers/charger-1/status {"connector": {"power_kW": 7.']);
  });

  it.concurrent('is a Sparkplug B edge node whose births the specification\'s decoder reads', async (context) => {
    const broker = await startMosquitto(context);
    const sub = subscribe(context, broker.port, 'spBv1.0/#', 3, true);
    await sub.ready;
    sim(context, ['--broker', broker.url, '--profile', sparkplugProfile, '--group', 'site-a', '--node', 'station-1', '--devices', '2', '--interval', '10s', '--clock-start', '2026-11-26T08:00:00+08:00']);
    const messages = (await sub.lines).map((line) => {
      const [topic, hex] = line.split(' ');
      return { topic, payload: sparkplugB.Payload.decode(Buffer.from(hex!, 'hex')) };
    });
    // Births at connect carry the pinned clock's start, before any round.
    const start = Date.parse('2026-11-26T00:00:00Z');
    expect(messages.map((message) => [message.topic, message.payload.seq, message.payload.timestamp])).toEqual([
      ['spBv1.0/site-a/NBIRTH/station-1', 0, start],
      ['spBv1.0/site-a/DBIRTH/station-1/charger-1', 1, start],
      ['spBv1.0/site-a/DBIRTH/station-1/charger-2', 2, start],
    ]);
    expect(messages[0]!.payload.metrics.map((metric) => [metric.name, metric.datatype, metric.longValue ?? metric.booleanValue])).toEqual([
      ['bdSeq', sparkplugB.DataType.UInt64, '1'],
      ['Node Control/Rebirth', sparkplugB.DataType.Boolean, false],
    ]);
    expect(messages[2]!.payload.metrics.map((metric) => [metric.name, metric.alias, metric.datatype, metric.name === 'Charger/EnergyImport' ? 'counting' : metric.doubleValue])).toEqual([
      ['Charger/Power', 2001, sparkplugB.DataType.Double, 7.2],
      ['Charger/EnergyImport', 2002, sparkplugB.DataType.Double, 'counting'],
      ['Charger/Temperature', 2003, sparkplugB.DataType.Double, 35.5],
    ]);
  });

  it.concurrent('exits 2 for a profile it cannot publish, a bad fault and a clock start without its offset, and 1 when the broker is not there', async () => {
    // Three processes side by side: each spends its few seconds starting up, not waiting on the others.
    const [modbus, fault, clock, away] = await Promise.all([
      runDavy('simulators', ['mqtt', '--broker', 'mqtt://127.0.0.1:1', '--profile', 'belt-scale']),
      runDavy('simulators', ['mqtt', '--broker', 'mqtt://127.0.0.1:1', '--profile', 'ev-charger-mqtt', '--fault', 'meltdown@1s']),
      runDavy('simulators', ['mqtt', '--broker', 'mqtt://127.0.0.1:1', '--profile', 'ev-charger-mqtt', '--clock-start', '2026-11-26T08:00:00']),
      runDavy('simulators', ['mqtt', '--broker', 'mqtt://127.0.0.1:1', '--profile', 'ev-charger-mqtt']),
    ]);
    expect(modbus.code).toBe(2);
    expect(modbus.output).toMatch(/^davy-sim: \S+belt-scale\.yaml: protocol: davy-sim mqtt serves json and sparkplug profiles, and this one is modbus\n {2}fix: pick a json or sparkplug profile \(e\.g\. ev-charger-mqtt\)$/);
    expect(fault.code).toBe(2);
    expect(fault.output).toContain('"meltdown@1s" is not KIND@TIME: KIND is one of malformed, drop, node-death, TIME like 2s');
    expect(clock.code).toBe(2);
    expect(clock.output).toContain('expected an ISO 8601 time with its offset (2026-11-26T08:00:00Z) or Unix milliseconds');
    expect([away.code, away.output]).toEqual([1, 'davy-sim: cannot connect to mqtt://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1']);
  });
});
