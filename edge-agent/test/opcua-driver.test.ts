/**
 * The OPC UA driver against node-opcua servers (davy-sim opcua, a process): 1,000 variables at
 * 100 ms, a server killed and restarted with its namespaces moved, bad readings of every kind,
 * a server that stops answering (and a driver stopped meanwhile), a server without
 * subscriptions, user logins, a server that refuses monitored items midway, and reconnects that
 * keep one certificate manager. The driver runs in this process with a recording sink.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi, type TestContext } from 'vitest';
import { ManagedProcess, freePort, tempDir, waitFor } from '@davy/runtime/testing';
import type { DeviceEvent } from '../src/drivers/driver.js';
import { loadOpcua } from '../src/drivers/opcua/opcua-library.js';
import { bundledProfilesDir } from '../src/profiles/index.js';
import { RecordingSink } from './support/recording-sink.js';
import { certificateManagersOn, opcuaDriver, pkiOfTestFile, recordingLog, startOpcuaSim, testPki } from './support/opcua-sim.js';

const fanProfile = path.join(bundledProfilesDir, 'mine-ventilation-fan.yaml');
const pki = pkiOfTestFile();
/**
 * Where timing is not under test: a 3 s keep-alive and timeout, so a CPU stall of a loaded
 * 2-core machine running these tests side by side does not read as a dead server.
 */
const steady = { pki, samplingInterval: '100ms', publishingInterval: '100ms', keepAlive: '3s', timeout: '3s', connectTimeout: '3s', reconnectMax: '1s' };

/** The sessions the simulator last reported holding. */
function sessionsReported(sim: ManagedProcess): number | undefined {
  return sim.events().filter((event) => event.event === 'opcua.session_created' || event.event === 'opcua.session_closed').at(-1)?.sessions as number | undefined;
}

function eventsNamed(sim: ManagedProcess, name: string): Array<Record<string, unknown>> {
  return sim.events().filter((event) => event.event === name);
}

/** The first and the last device event: what a test of a reconnect can pin whatever a loaded machine adds in between. */
function firstAndLast(events: DeviceEvent[]): Array<string | undefined> {
  return [events[0]?.type, events.at(-1)?.type];
}

/** A profile of `count` Double variables Load.V<i>, each counting up from i. */
function loadProfile(context: TestContext, count: number): string {
  const { dir, remove } = tempDir('davy-opcua-load-');
  context.onTestFinished(remove);
  const file = path.join(dir, `load-${count}.yaml`);
  const points = Array.from({ length: count }, (_, i) => `  - { name: v${i}, nodeId: 'nsu=urn:davy-test:load;s=Load.V${i}', dataType: Double, metric: load, unit: '', simulate: { kind: counter, start: ${i}, ratePerS: 10 } }`);
  writeFileSync(file, ['protocol: opcua', 'model: load', 'namespace: urn:davy-test:load', 'points:', ...points, ''].join('\n'));
  return file;
}

describe('OPC UA driver against davy-sim (node-opcua server)', () => {
  // node-opcua loads once per process (about a second): not inside a test whose server has a fault on a clock.
  beforeAll(() => loadOpcua(), 30_000);

  it.concurrent('subscribes to 1,000 variables sampled every 100 ms, with source timestamps and good quality', async (context) => {
    const profile = loadProfile(context, 1000);
    const { endpoint } = await startOpcuaSim(context, ['--profile', profile, '--port', '0', '--tick', '100']);
    const { driver } = opcuaDriver(context, profile, { endpoint, ...steady });
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
    expect(firstAndLast(sink.events)).toEqual(['device.online', 'device.online']);
    expect(driver.health().state).toBe('online');
    expect(driver.health().errors).toEqual({});
    expect(driver.mode).toBe('subscribe');
  });

  it.concurrent('resumes by itself after the server is killed and restarts with its namespaces moved, leaving no stale session', async (context) => {
    const port = await freePort();
    const first = await startOpcuaSim(context, ['--profile', 'mine-ventilation-fan', '--port', String(port)]);
    const { driver } = opcuaDriver(context, fanProfile, { endpoint: first.endpoint, ...steady });
    const sink = new RecordingSink();
    driver.start(sink);
    const speeds = () => sink.received.filter((reading) => reading.point === 'fan_speed' && reading.quality === 'good').map((reading) => reading.timeMs);
    await waitFor(() => speeds().length >= 3, { what: 'readings before the kill', timeoutMs: 20_000 });
    const killedMs = Date.now();
    first.sim.kill('SIGKILL');
    await first.sim.exited;
    // The restarted server registers one more namespace first: every device node id moves from ns=2 to ns=3.
    const second = await startOpcuaSim(context, ['--profile', 'mine-ventilation-fan', '--port', String(port), '--extra-namespaces', '1']);
    const backMs = Date.now();
    expect((eventsNamed(second.sim, 'opcua.listening')[0]!.namespaces as string[]).indexOf('urn:davy-sim:mine-ventilation-fan')).toBe(3);
    await waitFor(() => speeds().filter((time) => time > backMs).length >= 5, { what: 'values after the restart', timeoutMs: 15_000 });

    const times = speeds();
    const gaps = times.slice(1).map((time, index) => time - times[index]!);
    // The killed server drops the connection at once; after the restart window the driver waits at
    // most reconnectMax (1 s) and a connect takes at most connectTimeout (3 s). A driver that does
    // not reconnect by itself leaves no values after the restart at all.
    expect(Math.max(...gaps)).toBeLessThan(backMs - killedMs + 1_000 + 3_000);
    expect(sink.received.filter((reading) => reading.timeMs > backMs).every((reading) => reading.quality === 'good')).toBe(true);
    expect(firstAndLast(sink.events)).toEqual(['device.online', 'device.online']);
    expect(sink.events.map((event) => event.type)).toContain('device.offline');
    expect(driver.health().state).toBe('online');
    // The restarted server holds exactly one session: the driver's one, and no other was left behind.
    expect(sessionsReported(second.sim)).toBe(1);
    expect(eventsNamed(second.sim, 'opcua.session_created')).toHaveLength(1);
    // Stopping closes the session on the server too.
    await driver.stop();
    await waitFor(() => sessionsReported(second.sim) === 0, { what: 'the session closed on the server', timeoutMs: 5_000 });
  });

  it.concurrent('gives a bad reading every interval for a Bad value, a node the server does not know and a node that cannot be resolved', async (context) => {
    const { dir, remove } = tempDir('davy-opcua-missing-');
    context.onTestFinished(remove);
    // The agent's profile names three nodes the server (serving the plain fan profile) does not have.
    const profile = path.join(dir, 'fan-with-missing-nodes.yaml');
    writeFileSync(
      profile,
      [
        readFileSync(fanProfile, 'utf8').trimEnd(),
        "  - { name: unknown_node, nodeId: 'nsu=urn:davy-sim:mine-ventilation-fan;s=MainFan.NoSuchNode', metric: state, unit: '' }",
        "  - { name: unknown_namespace, nodeId: 'nsu=urn:davy-test:absent;s=Absent.Value', metric: state, unit: '' }",
        "  - { name: unknown_path, browsePath: MainFan/NoSuchPart, metric: state, unit: '' }",
        '',
      ].join('\n'),
    );
    const { sim, endpoint } = await startOpcuaSim(context, ['--profile', 'mine-ventilation-fan', '--port', '0', '--fault', 'bad:fan_speed@5s+2s']);
    const { driver } = opcuaDriver(context, profile, { endpoint, ...steady });
    const sink = new RecordingSink();
    driver.start(sink);
    const of = (point: string) => sink.received.filter((reading) => reading.point === point);
    // The fault starts 5 s after the server: the driver (its first connect makes the agent's
    // certificate, seconds on a loaded machine) must be reading by then to see it.
    await waitFor(() => of('fan_speed').some((reading) => reading.quality === 'good'), { what: 'fan_speed read before the fault', timeoutMs: 5_000 });
    await sim.waitForEvent('opcua.fault', 10_000);
    await waitFor(() => of('fan_speed').some((reading) => reading.quality === 'bad') && of('fan_speed').at(-1)?.quality === 'good', { what: 'fan_speed bad, then good again', timeoutMs: 10_000 });
    await waitFor(() => ['unknown_node', 'unknown_namespace', 'unknown_path'].every((point) => of(point).length >= 5), { what: 'five readings of each missing node', timeoutMs: 10_000 });
    await driver.stop();

    const bad = of('fan_speed').filter((reading) => reading.quality === 'bad');
    expect(bad.every((reading) => reading.value === null && reading.error === 'BadSensorFailure')).toBe(true);
    // The other points never went bad from the one point's fault.
    expect(of('air_volume').every((reading) => reading.quality === 'good')).toBe(true);
    const namespaces = eventsNamed(sim, 'opcua.listening')[0]!.namespaces as string[];
    const why = (point: string) => [...new Set(of(point).map(({ quality, value, error }) => `${quality} ${String(value)} ${error}`))];
    expect(why('unknown_node')).toEqual(['bad null BadNodeIdUnknown']);
    expect(why('unknown_namespace')).toEqual([`bad null namespace urn:davy-test:absent is not on the server (its namespaces: ${namespaces.join(', ')})`]);
    expect(why('unknown_path')).toEqual(['bad null browse path MainFan/NoSuchPart not found (BadNoMatch)']);
    // The refused item counts once per connect, each reading of an unresolvable node once; Bad values as status.
    const health = driver.health();
    expect(health.errors.node).toBe(1 + of('unknown_namespace').length + of('unknown_path').length);
    expect(health.errors.status).toBe(bad.length + of('unknown_node').length);
  });

  it.concurrent('goes offline once when the server stops answering, and closes what it left there; a stop during a connect returns at once', async (context) => {
    // The freeze starts 6 s after the server: time for both drivers to be online first on a loaded machine.
    const { sim, endpoint } = await startOpcuaSim(context, ['--profile', 'mine-ventilation-fan', '--port', '0', '--fault', 'silent@6s+7500ms']);
    // Timing is under test here: the frozen server must be found out within its 7.5 s freeze. With a
    // 1 s keep-alive the driver asks after 0.5 s of silence and gives up on the reply after 5 s (node-opcua
    // waits no less for any reply, whatever the timeout says): offline after 5.5 s, 2 s before the thaw.
    const watchful = { ...steady, keepAlive: '1s' };
    const reconnecting = opcuaDriver(context, fanProfile, { endpoint, ...watchful }).driver;
    const stopping = opcuaDriver(context, fanProfile, { endpoint, ...watchful }).driver;
    const sinks = { reconnecting: new RecordingSink(), stopping: new RecordingSink() };
    reconnecting.start(sinks.reconnecting);
    stopping.start(sinks.stopping);
    const online = (sink: RecordingSink) => sink.events.some((event) => event.type === 'device.online');
    await waitFor(() => online(sinks.reconnecting) && online(sinks.stopping), { what: 'both drivers online', timeoutMs: 15_000 });

    await sim.waitForEvent('opcua.frozen', 10_000);
    // A driver that starts while the server is frozen is stuck in its connect (the default 10 s connect timeout).
    const connectingLog = recordingLog();
    const connecting = opcuaDriver(context, fanProfile, { endpoint, pki }, connectingLog.log).driver;
    connecting.start(new RecordingSink());
    await waitFor(() => connectingLog.events().some((event) => event.event === 'opcua.connecting'), { what: 'the connect under way', timeoutMs: 5_000 });
    const stopStartedMs = Date.now();
    await connecting.stop();
    // The server stays frozen for seconds more: a stop that waited for the connect to end would take that long.
    // (2.5 s leaves room for a loaded machine; the freeze and the connect timeout both outlast it.)
    expect(Date.now() - stopStartedMs).toBeLessThan(2_500);

    // Stopped while offline (waiting to reconnect, or connecting): the session it left on the frozen server is closed once the server answers.
    await waitFor(() => sinks.stopping.events.some((event) => event.type === 'device.offline'), { what: 'the stopping driver offline', timeoutMs: 10_000 });
    await stopping.stop();

    await waitFor(() => sinks.reconnecting.events.at(-1)?.type === 'device.online' && sinks.reconnecting.events.length > 1, { what: 'the device back online', timeoutMs: 10_000 });
    const offline = sinks.reconnecting.events.filter((event) => event.type === 'device.offline');
    expect(firstAndLast(sinks.reconnecting.events)).toEqual(['device.online', 'device.online']);
    expect(offline[0]!.body.reason).toBe('the server stopped answering (no keep-alive reply within 5000 ms)');
    // On the server: the reconnected driver's new session only. Its frozen link's session was taken over and
    // closed, the stopped driver's closed, and the driver stopped during its connect never made one.
    await waitFor(() => sessionsReported(sim) === 1, { what: 'one session on the server', timeoutMs: 5_000 });
    expect(eventsNamed(sim, 'opcua.session_created')).toHaveLength(3);
  }, 45_000);

  it.concurrent('polls a server that refuses subscriptions, and logs in with a user and a password from the environment', async (context) => {
    vi.stubEnv('DAVY_TEST_OPCUA_PASSWORD', 'c0al-face');
    vi.stubEnv('DAVY_TEST_OPCUA_WRONG', 'not-it');
    context.onTestFinished(() => {
      vi.unstubAllEnvs();
    });
    const { endpoint } = await startOpcuaSim(context, ['--profile', 'mine-ventilation-fan', '--port', '0', '--no-subscriptions', '--user', 'operator'], { DAVY_SIM_OPCUA_PASSWORD: 'c0al-face' });
    // A loopback test line: the password may cross it unencrypted, and the driver says so.
    const auth = { type: 'user', username: 'operator', passwordEnv: 'DAVY_TEST_OPCUA_PASSWORD', allowPlainTextPassword: true };
    const recorded = recordingLog();
    const { driver } = opcuaDriver(context, fanProfile, { endpoint, ...steady, samplingInterval: '200ms', auth }, recorded.log);
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => sink.received.filter((reading) => reading.point === 'fan_speed').length >= 5, { what: 'five polls', timeoutMs: 20_000 });
    expect(driver.mode).toBe('poll (fallback)');
    expect(sink.received.every((reading) => reading.quality === 'good')).toBe(true);
    expect(firstAndLast(sink.events)).toEqual(['device.online', 'device.online']);
    expect(recorded.events().filter((event) => event.event === 'opcua.password_unencrypted').map(({ level, username }) => ({ level, username }))).toEqual([{ level: 'warn', username: 'operator' }]);
    // `reads` are the values received: every polled value of every point.
    await driver.stop();
    expect(driver.health().reads).toBe(sink.received.length);

    const wrong = opcuaDriver(context, fanProfile, { endpoint, ...steady, auth: { ...auth, passwordEnv: 'DAVY_TEST_OPCUA_WRONG' } }).driver;
    const refused = new RecordingSink();
    wrong.start(refused);
    await waitFor(() => refused.events.length > 0, { what: 'device.offline', timeoutMs: 10_000 });
    expect(refused.events[0]).toMatchObject({ type: 'device.offline' });
    expect(String(refused.events[0]!.body.reason)).toMatch(/the server refused the login \(auth.type user\)/);
    expect(wrong.health().errors.security).toBeGreaterThan(0);
  });

  it.concurrent('falls back to polling when the server refuses a later group of monitored items, deleting the half-built subscription first', async (context) => {
    const profile = loadProfile(context, 200);
    // 50 items a call: the first two calls pass, the third would take the subscription past 120 and is refused whole.
    const { sim, endpoint } = await startOpcuaSim(context, ['--profile', profile, '--port', '0', '--max-monitored-items-per-call', '50', '--max-monitored-items', '120']);
    const { driver } = opcuaDriver(context, profile, { endpoint, ...steady });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => eventsNamed(sim, 'opcua.subscription_deleted').length > 0, { what: 'the subscription deleted', timeoutMs: 15_000 });
    await waitFor(() => new Set(sink.received.map((reading) => reading.point)).size === 200, { what: 'readings of all 200 points', timeoutMs: 10_000 });
    expect(driver.mode).toBe('poll (fallback)');
    expect(eventsNamed(sim, 'opcua.subscription_created').map((event) => event.subscriptions)).toEqual([1]);
    expect(eventsNamed(sim, 'opcua.subscription_deleted').map((event) => event.subscriptions)).toEqual([0]);
    expect(sessionsReported(sim)).toBe(1);
    expect(sink.received.every((reading) => reading.quality === 'good')).toBe(true);
    expect(sink.events.map((event) => event.type)).toEqual(['device.online']);
  });

  it.concurrent('keeps one certificate manager through its reconnects, and none after stop or a one-shot read', async (context) => {
    // Nothing listens on this port: every connect is refused at once.
    const port = await freePort();
    const ownPki = testPki(context);
    const { driver } = opcuaDriver(context, fanProfile, { endpoint: `opc.tcp://127.0.0.1:${port}`, pki: ownPki, connectTimeout: '1s', reconnectMax: '200ms' });
    driver.start(new RecordingSink());
    await waitFor(() => (driver.health().errors.connection ?? 0) >= 4, { what: 'four failed connects', timeoutMs: 10_000 });
    expect(certificateManagersOn(ownPki)).toBe(1);
    await driver.stop();
    expect(certificateManagersOn(ownPki)).toBe(0);

    await expect(driver.readOnce()).rejects.toThrow(`connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(certificateManagersOn(ownPki)).toBe(0);
  });
});
