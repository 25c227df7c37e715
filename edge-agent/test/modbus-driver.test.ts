/**
 * The Modbus TCP driver when devices misbehave: an exception reply, a device that accepts the
 * connection and never answers, one that is not there and comes up later. Devices are davy-sim
 * processes or bare TCP servers; the drivers run in this process with a recording sink.
 */
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { createLogger, sleep } from '@davy/runtime';
import { ManagedProcess, freePort, waitFor } from '@davy/runtime/testing';
import { resolveModbusTcpDevice } from '../src/drivers/modbus/modbus-device.js';
import { modbusTcpDeviceSchema } from '../src/drivers/modbus/modbus-tcp-config.js';
import { ModbusTcpDriver } from '../src/drivers/modbus/modbus-tcp-driver.js';
import { loadProfile } from '../src/profiles/index.js';
import { RecordingSink } from './support/recording-sink.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const log = createLogger({ component: 'test', sink: { write: () => true } });

function driver(context: TestContext, name: string, profileFile: string, port: number, extra: Record<string, unknown> = {}): ModbusTcpDriver {
  const document = modbusTcpDeviceSchema.parse({ name, protocol: 'modbus-tcp', profile: profileFile, host: '127.0.0.1', port, pollInterval: 100, timeout: 300, ...extra });
  const instance = new ModbusTcpDriver(resolveModbusTcpDevice(document, loadProfile(profileFile)), log);
  context.onTestFinished(() => instance.stop());
  return instance;
}

async function simulator(context: TestContext, profile: string, port = 0): Promise<number> {
  const sim = ManagedProcess.davy('simulators', ['modbus', '--profile', profile, '--port', String(port)]);
  context.onTestFinished(() => sim.stop());
  return (await sim.waitForEvent('modbus.listening')).port as number;
}


describe('Modbus TCP driver faults', () => {
  it.concurrent('an exception reply is a bad reading of that point only, and the device stays online', async (context) => {
    const port = await simulator(context, path.join(fixtures, 'read-counter.yaml'));
    const device = driver(context, 'dev-x', path.join(fixtures, 'beyond-table.yaml'), port, { maxGap: 0 });
    const sink = new RecordingSink();
    device.start(sink);
    await waitFor(() => sink.received.length >= 6, { what: 'three polls' });
    const missing = sink.received.filter((r) => r.point === 'missing');
    const reads = sink.received.filter((r) => r.point === 'reads');
    expect(missing[0]).toMatchObject({ value: null, quality: 'bad', error: 'exception 2 (illegal data address) reading holding 200-200' });
    expect(reads.every((r) => r.quality === 'good')).toBe(true);
    expect(reads.slice(0, 3).map((r) => r.value)).toEqual([1, 2, 3]);
    expect(sink.events.map((e) => e.type)).toEqual(['device.online']);
    expect(device.health()).toMatchObject({ state: 'online', errors: { exception: missing.length } });
  });

  it.concurrent('a device that never answers goes offline once and does not slow down a healthy one', async (context) => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket)); // accepts, reads, never replies
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    context.onTestFinished(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const healthyPort = await simulator(context, path.join(fixtures, 'read-counter.yaml'));
    const sink = new RecordingSink();
    const dead = driver(context, 'dead', path.join(fixtures, 'read-counter.yaml'), (silent.address() as net.AddressInfo).port);
    const healthy = driver(context, 'healthy', path.join(fixtures, 'read-counter.yaml'), healthyPort);
    dead.start(sink);
    healthy.start(sink);
    await sleep(3_000);
    const healthyReadings = sink.of('healthy');
    // 100 ms polls for 3 s: about 30. Were the healthy device waiting on the dead one's 300 ms
    // timeouts, it would get at most 10.
    expect(healthyReadings.length).toBeGreaterThanOrEqual(20);
    expect(healthyReadings.every((r) => r.quality === 'good')).toBe(true);
    const deadReadings = sink.of('dead');
    expect(deadReadings.length).toBeGreaterThanOrEqual(3);
    expect(deadReadings.every((r) => r.quality === 'bad' && r.error === 'no reply reading holding 0-1')).toBe(true);
    const deadEvents = sink.events.filter((e) => e.body.device === 'dead');
    expect(deadEvents.map((e) => [e.type, e.body.reason])).toEqual([['device.offline', '3 polls in a row failed: no reply reading holding 0-1']]);
    expect(dead.health().state).toBe('offline');
    expect(healthy.health().state).toBe('online');
  });

  it.concurrent('a device that drops idle connections is read at every poll, and stays online', async (context) => {
    const simPort = await simulator(context, path.join(fixtures, 'read-counter.yaml'));
    // A gateway that closes a connection after 200 ms without traffic; the polls are 1 s apart.
    const idleClosing = net.createServer((client) => {
      const device = net.connect(simPort, '127.0.0.1');
      client.pipe(device).pipe(client);
      client.setTimeout(200, () => client.destroy());
      client.on('close', () => device.destroy());
      device.on('close', () => client.destroy());
      client.on('error', () => undefined);
      device.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => idleClosing.listen(0, '127.0.0.1', resolve));
    context.onTestFinished(() => void idleClosing.close());
    const sink = new RecordingSink();
    driver(context, 'idle', path.join(fixtures, 'read-counter.yaml'), (idleClosing.address() as net.AddressInfo).port, { pollInterval: 1000 }).start(sink);
    await waitFor(() => sink.received.length >= 4, { what: 'four polls', timeoutMs: 10_000 });
    expect(sink.received.slice(0, 4).map((r) => [r.quality, r.value])).toEqual([['good', 1], ['good', 2], ['good', 3], ['good', 4]]);
    expect(sink.events.map((e) => e.type)).toEqual(['device.online']);
  });

  it.concurrent('a device that is not there goes offline, and comes back online when it starts', async (context) => {
    const port = await freePort();
    const sink = new RecordingSink();
    driver(context, 'late', path.join(fixtures, 'read-counter.yaml'), port).start(sink);
    await waitFor(() => sink.events.length >= 1, { what: 'the offline event' });
    expect(sink.events[0]).toMatchObject({ type: 'device.offline' });
    expect(String(sink.events[0]!.body.reason)).toMatch(new RegExp(`^cannot connect to 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
    await sleep(1_000);
    await simulator(context, path.join(fixtures, 'read-counter.yaml'), port);
    // Reconnects back off up to 30 s: on a loaded machine the simulator may come up just after an attempt.
    await waitFor(() => sink.events.some((e) => e.type === 'device.online'), { what: 'the online event', timeoutMs: 40_000 });
    expect(sink.events.map((e) => e.type)).toEqual(['device.offline', 'device.online']);
    // While it was away, every poll was a bad reading that says why, never a silent gap.
    const away = sink.received.filter((r) => r.quality === 'bad');
    expect(away.length).toBeGreaterThanOrEqual(2);
    // A poll that comes before the first connect attempt has failed (a loaded machine) says so.
    const refused = new RegExp(`^not connected: cannot connect to 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`);
    const reasons = [...new Set(away.map((r) => r.error!))];
    expect(reasons.filter((reason) => reason !== 'not connected: connecting')[0]).toMatch(refused);
    expect(reasons.every((reason) => reason === 'not connected: connecting' || refused.test(reason))).toBe(true);
    await waitFor(() => sink.received.some((r) => r.quality === 'good'), { what: 'a good reading' });
    expect(sink.received.filter((r) => r.quality === 'good')[0]!.value).toBe(1);
    // Its own budget: starting the simulator process takes seconds on a loaded machine.
  }, 90_000);
});
