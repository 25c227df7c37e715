/**
 * The OPC UA driver against node-opcua servers (davy-sim opcua, a process): 1,000 variables at
 * 100 ms, a server killed and restarted with its namespaces moved, a point that goes Bad, a
 * server that stops answering, a server without subscriptions, user logins. The driver runs in
 * this process with a recording sink.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sleep } from '@davy/runtime';
import { ManagedProcess, freePort, tempDir, waitFor } from '@davy/runtime/testing';
import { bundledProfilesDir } from '../src/profiles/index.js';
import { RecordingSink } from './support/recording-sink.js';
import { opcuaDriver, startOpcuaSim } from './support/opcua-sim.js';

const fanProfile = path.join(bundledProfilesDir, 'mine-ventilation-fan.yaml');
const fast = { samplingInterval: '100ms', publishingInterval: '100ms', keepAlive: '1s', timeout: '1s', connectTimeout: '2s', reconnectMax: '1s' };

/** The sessions the simulator last reported holding. */
function sessionsReported(sim: ManagedProcess): number | undefined {
  return sim.events().filter((event) => event.event === 'opcua.session_created' || event.event === 'opcua.session_closed').at(-1)?.sessions as number | undefined;
}

describe('OPC UA driver against davy-sim (node-opcua server)', () => {
  it.concurrent('subscribes to 1,000 variables sampled every 100 ms, with source timestamps and good quality', async (context) => {
    const { dir, remove } = tempDir('davy-opcua-1000-');
    context.onTestFinished(remove);
    const profile = path.join(dir, 'thousand.yaml');
    const points = Array.from({ length: 1000 }, (_, i) => `  - { name: v${i}, nodeId: 'nsu=urn:davy-test:load;s=Load.V${i}', dataType: Double, metric: load, unit: '', simulate: { kind: counter, start: ${i}, ratePerS: 10 } }`);
    writeFileSync(profile, ['protocol: opcua', 'model: load', 'namespace: urn:davy-test:load', 'points:', ...points, ''].join('\n'));
    const { endpoint } = await startOpcuaSim(context, ['--profile', profile, '--port', '0', '--tick', '100']);
    const { driver } = opcuaDriver(context, profile, { endpoint, ...fast });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => sink.events.length > 0, { what: 'device.online', timeoutMs: 20_000 });
    const start = sink.received.length;
    // Every one of the 1,000 items delivers changing values (the rate is the benchmark's business).
    const perPoint = new Map<string, number[]>();
    await waitFor(
      () => {
        perPoint.clear();
        for (const reading of sink.received.slice(start)) perPoint.set(reading.point, [...(perPoint.get(reading.point) ?? []), reading.value as number]);
        return perPoint.size === 1000 && [...perPoint.values()].every((values) => values.length >= 5);
      },
      { what: 'five values of each of the 1,000 items', timeoutMs: 20_000, intervalMs: 250 },
    );
    const readings = sink.received.slice(start);
    expect([...perPoint.values()].every((values) => values.at(-1)! > values[0]!)).toBe(true);
    expect(readings.every((reading) => reading.quality === 'good')).toBe(true);
    // Source timestamps from the server, not the time the agent got them: they are on the 100 ms ticks.
    const times = new Set(readings.map((reading) => reading.timeMs));
    expect(times.size).toBeLessThan(readings.length / 100);
    expect(sink.events.map((event) => event.type)).toEqual(['device.online']);
    expect(driver.health()).toMatchObject({ state: 'online', errors: {} });
    expect(driver.mode).toBe('subscribe');
  });

  it.concurrent('resumes by itself after the server is killed and restarts with its namespaces moved, leaving no stale session', async (context) => {
    const port = await freePort();
    const first = await startOpcuaSim(context, ['--profile', 'mine-ventilation-fan', '--port', String(port)]);
    const { driver } = opcuaDriver(context, fanProfile, { endpoint: first.endpoint, ...fast });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => sink.received.some((reading) => reading.point === 'motor_current'), { what: 'readings', timeoutMs: 20_000 });
    await sleep(500);
    const killedMs = Date.now();
    first.sim.kill('SIGKILL');
    await first.sim.exited;
    // The restarted server registers one more namespace first: every device node id moves from ns=2 to ns=3.
    const second = await startOpcuaSim(context, ['--profile', 'mine-ventilation-fan', '--port', String(port), '--extra-namespaces', '1']);
    const backMs = Date.now();
    expect((second.sim.events().find((event) => event.event === 'opcua.listening')!.namespaces as string[]).indexOf('urn:davy-sim:mine-ventilation-fan')).toBe(3);
    await waitFor(() => sink.received.some((reading) => reading.timeMs > backMs && reading.point === 'motor_current'), { what: 'values after the restart', timeoutMs: 15_000 });
    await sleep(1_000);

    const speeds = sink.received.filter((reading) => reading.point === 'fan_speed' && reading.quality === 'good').map((reading) => reading.timeMs);
    const gaps = speeds.slice(1).map((time, index) => time - speeds[index]!);
    const restartWindowMs = backMs - killedMs;
    // No longer than the restart window plus one reconnect wait (≤ 1 s) and a connect.
    expect(Math.max(...gaps)).toBeLessThan(restartWindowMs + 2_500);
    expect(sink.received.filter((reading) => reading.timeMs > backMs).every((reading) => reading.quality === 'good')).toBe(true);
    const types = sink.events.map((event) => event.type);
    expect(types).toEqual(['device.online', 'device.offline', 'device.online']);
    expect(driver.health().state).toBe('online');
    // The restarted server holds exactly one session: the driver's one, and no other was left behind.
    expect(sessionsReported(second.sim)).toBe(1);
    expect(second.sim.events().filter((event) => event.event === 'opcua.session_created')).toHaveLength(1);
    // Stopping closes the session on the server too.
    await driver.stop();
    await waitFor(() => sessionsReported(second.sim) === 0, { what: 'the session closed on the server', timeoutMs: 5_000 });
  });

  it.concurrent('a Bad node is a bad reading with its status name; a server that stops answering goes offline and its old session is closed', async (context) => {
    const { sim, endpoint } = await startOpcuaSim(context, ['--profile', 'mine-ventilation-fan', '--port', '0', '--fault', 'bad:fan_speed@5s+1500ms', '--fault', 'silent@8s+3s']);
    const { driver } = opcuaDriver(context, fanProfile, { endpoint, ...fast });
    const sink = new RecordingSink();
    driver.start(sink);
    await sim.waitForEvent('opcua.thawed', 20_000);
    await waitFor(() => sink.events.filter((event) => event.type === 'device.online').length === 2, { what: 'the device back online', timeoutMs: 10_000 });
    await sleep(1_000);

    const speed = sink.received.filter((reading) => reading.point === 'fan_speed');
    const bad = speed.filter((reading) => reading.quality === 'bad');
    expect(bad.length).toBeGreaterThan(0);
    expect(bad.every((reading) => reading.value === null && reading.error === 'BadSensorFailure')).toBe(true);
    expect(speed.at(-1)).toMatchObject({ quality: 'good' });
    // The other points never went bad from the one point's fault.
    expect(sink.received.filter((reading) => reading.point === 'air_volume').every((reading) => reading.quality === 'good')).toBe(true);

    const offline = sink.events.filter((event) => event.type === 'device.offline');
    expect(offline).toHaveLength(1);
    expect(String(offline[0]!.body.reason)).toMatch(/stopped answering|connection|timeout|Timeout/);
    expect(driver.health().errors.status).toBeGreaterThan(0);
    // The session of the frozen link was taken over and closed: the server holds one, not two.
    await waitFor(() => sessionsReported(sim) === 1, { what: 'one session on the server', timeoutMs: 5_000 });
  });

  it.concurrent('polls a server that refuses subscriptions, and logs in with a user and a password from the environment', async (context) => {
    process.env.DAVY_TEST_OPCUA_PASSWORD = 'c0al-face';
    const { endpoint } = await startOpcuaSim(context, ['--profile', 'mine-ventilation-fan', '--port', '0', '--no-subscriptions', '--user', 'operator'], { DAVY_SIM_OPCUA_PASSWORD: 'c0al-face' });
    const auth = { type: 'user', username: 'operator', passwordEnv: 'DAVY_TEST_OPCUA_PASSWORD' };
    const { driver } = opcuaDriver(context, fanProfile, { endpoint, ...fast, samplingInterval: '200ms', auth });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => sink.received.filter((reading) => reading.point === 'fan_speed').length >= 5, { what: 'five polls', timeoutMs: 20_000 });
    expect(driver.mode).toBe('poll (fallback)');
    expect(sink.received.every((reading) => reading.quality === 'good')).toBe(true);
    expect(sink.events.map((event) => event.type)).toEqual(['device.online']);

    process.env.DAVY_TEST_OPCUA_WRONG = 'not-it';
    const wrong = opcuaDriver(context, fanProfile, { endpoint, ...fast, auth: { ...auth, passwordEnv: 'DAVY_TEST_OPCUA_WRONG' } }).driver;
    const refused = new RecordingSink();
    wrong.start(refused);
    await waitFor(() => refused.events.length > 0, { what: 'device.offline', timeoutMs: 10_000 });
    expect(refused.events[0]).toMatchObject({ type: 'device.offline' });
    expect(String(refused.events[0]!.body.reason)).toMatch(/the server refused the login \(auth.type user\)/);
    expect(wrong.health().errors.security).toBeGreaterThan(0);
  });
});
