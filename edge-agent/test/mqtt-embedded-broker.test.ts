/**
 * Devices pushing into the broker embedded in the agent, played by Debian's mosquitto_pub and
 * mosquitto_sub and by davy-sim's Sparkplug edge node: per-device logins (a wrong password
 * refused and counted), a user bound to its own device (judged by each entry's own rule), TLS
 * with and without client certificates (files relative to agent.yaml's folder), subscriptions
 * refused except an edge node's to its own commands, no session kept for a device, the
 * address it really binds to, and the config checks of its listen address.
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi, type TestContext } from 'vitest';
import { createLogger, type Logger } from '@davy/runtime';
import { ManagedProcess, freePort, waitFor } from '@davy/runtime/testing';
import type { DeviceContext } from '../src/drivers/driver-entry.js';
import { bundledProfilesDir, loadProfile } from '../src/profiles/index.js';
import { mqttDeviceSchema } from '../src/drivers/mqtt/mqtt-config.js';
import { checkMqttDevice, resolveMqttDevice } from '../src/drivers/mqtt/mqtt-device.js';
import { MqttDriver } from '../src/drivers/mqtt/mqtt-driver.js';
import { sparkplugDeviceSchema } from '../src/drivers/mqtt/sparkplug/sparkplug-config.js';
import { checkSparkplugDevice, resolveSparkplugDevice } from '../src/drivers/mqtt/sparkplug/sparkplug-device.js';
import { SparkplugDriver } from '../src/drivers/mqtt/sparkplug/sparkplug-driver.js';
import { mosquittoPub, mosquittoSub } from './fixtures/mqtt/mosquitto.js';
import { RecordingSink } from './support/recording-sink.js';

const silent = createLogger({ component: 'test', sink: { write: () => true } });
const chargerProfile = path.join(bundledProfilesDir, 'ev-charger-mqtt.yaml');
const sparkplugProfile = path.join(import.meta.dirname, 'fixtures', 'mqtt', 'ev-charger-sparkplug.yaml');
/** As if agent.yaml were in fixtures/mqtt: the TLS files are tls/… relative to it. */
const context: DeviceContext = { configDir: path.join(import.meta.dirname, 'fixtures', 'mqtt'), dataDir: os.tmpdir() };
const energy = (wh: number) => JSON.stringify({ ts: 1764115200, meter: { energy_Wh: wh, session_Wh: 0 } });

beforeAll(() => {
  vi.stubEnv('DAVY_TEST_CHARGER_1', 'correct horse');
  vi.stubEnv('DAVY_TEST_CHARGER_2', 'battery staple');
  vi.stubEnv('DAVY_TEST_STATION_1', 'tr0ub4dor');
});
afterAll(() => vi.unstubAllEnvs());

const chargerUsers = [
  { username: 'charger-1', passwordEnv: 'DAVY_TEST_CHARGER_1', device: 'c-1' },
  { username: 'charger-2', passwordEnv: 'DAVY_TEST_CHARGER_2' },
];

async function embeddedDriver(
  test: TestContext,
  embedded: Record<string, unknown>,
  entry: Record<string, unknown> = {},
  log: Logger = silent,
): Promise<{ driver: MqttDriver; sink: RecordingSink; port: number }> {
  const port = (embedded.port as number | undefined) ?? (await freePort());
  const { port: _port, ...settings } = embedded;
  const document = mqttDeviceSchema.parse({
    name: 'chargers',
    protocol: 'mqtt',
    profile: chargerProfile,
    broker: 'embedded',
    topics: { status: 'chargers/{device}/status', energy: 'chargers/{device}/energy' },
    embedded: { listen: `127.0.0.1:${port}`, users: chargerUsers, ...settings },
    ...entry,
  });
  const device = resolveMqttDevice(document, loadProfile(chargerProfile), context);
  expect(checkMqttDevice(device)).toEqual([]);
  const driver = new MqttDriver(device, log);
  test.onTestFinished(() => driver.stop());
  const sink = new RecordingSink();
  driver.start(sink);
  await waitFor(() => driver.health().state === 'online', { what: 'the embedded broker' });
  return { driver, sink, port };
}

const pub = (port: number, user: string, password: string, topic: string, message: string, extra: string[] = []) =>
  mosquittoPub(['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-u', user, '-P', password, '-t', topic, '-m', message, ...extra]);

describe('embedded MQTT broker', () => {
  it.concurrent('takes devices with their own password, and refuses a wrong one', async (test) => {
    const { driver, sink, port } = await embeddedDriver(test, {});
    expect(await pub(port, 'charger-2', 'battery staple', 'chargers/c-2/energy', energy(42))).toEqual({ code: 0, output: '' });
    const refused = await pub(port, 'charger-2', 'wrong', 'chargers/c-2/energy', energy(43));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('Connection Refused: bad user name or password');
    const anonymous = await mosquittoPub(['-h', '127.0.0.1', '-p', String(port), '-t', 'chargers/c-2/energy', '-m', energy(44)]);
    expect(anonymous.code).not.toBe(0);
    await waitFor(() => sink.received.length === 2, { what: 'the readings' });
    expect(sink.of('c-2').map((reading) => [reading.point, reading.value])).toEqual([
      ['energy_import', 42],
      ['session_energy', 0],
    ]);
    expect(driver.health().errors).toEqual({ 'login-refused': 2 });
    expect(driver.health().lastError).toMatch(/^embedded broker 127\.0\.0\.1:\d+ refused client .+: no username$/);
  });

  it.concurrent('lets a user bound to a device publish as that device only', async (test) => {
    const { driver, sink, port } = await embeddedDriver(test, {});
    expect((await pub(port, 'charger-1', 'correct horse', 'chargers/c-1/energy', energy(1))).code).toBe(0);
    // As another charger, or off the entry's topics: the broker closes the connection.
    await pub(port, 'charger-1', 'correct horse', 'chargers/c-2/energy', energy(2));
    await pub(port, 'charger-1', 'correct horse', 'elsewhere/c-1/energy', energy(3));
    await waitFor(() => driver.health().errors['publish-refused'] === 2, { what: 'two refused publishes' });
    expect(sink.received.map((reading) => [reading.device, reading.point, reading.value])).toEqual([
      ['c-1', 'energy_import', 1],
      ['c-1', 'session_energy', 0],
    ]);
    expect(driver.health().lastError).toBe(`embedded broker 127.0.0.1:${port}: user charger-1 may not publish on elsewhere/c-1/energy`);
  });

  it.concurrent('judges a user declared by two entries by each entry\'s own rule', async (test) => {
    // agent.yaml refuses such a pair at load (one user, one binding); the broker holds the line anyway.
    const port = await freePort();
    // The unbound record first: judged by it, charger-1 could publish as any charger.
    const meters = await embeddedDriver(test, { port, users: [{ username: 'charger-1', passwordEnv: 'DAVY_TEST_CHARGER_1' }] }, { name: 'meters', topics: { status: 'meters/{device}/status', energy: 'meters/{device}/energy' } });
    const chargers = await embeddedDriver(test, { port });
    // Unbound in the meters entry: any meter; bound in the chargers entry: c-1 only.
    expect((await pub(port, 'charger-1', 'correct horse', 'meters/m-9/energy', energy(9))).code).toBe(0);
    await pub(port, 'charger-1', 'correct horse', 'chargers/c-2/energy', energy(2));
    await waitFor(() => chargers.driver.health().errors['publish-refused'] === 1, { what: 'the refused publish' });
    await waitFor(() => meters.sink.received.length === 2, { what: 'the meter\'s readings' });
    expect(chargers.sink.received).toEqual([]);
    expect(meters.sink.received.map((reading) => [reading.device, reading.value])).toEqual([
      ['m-9', 9],
      ['m-9', 0],
    ]);
  });

  it.concurrent('refuses every subscription of a device login', async (test) => {
    const { driver, port } = await embeddedDriver(test, {});
    // '#' would read every other device's data and the agent's commands.
    const wildcard = await mosquittoSub(['-h', '127.0.0.1', '-p', String(port), '-u', 'charger-2', '-P', 'battery staple', '-t', '#', '-q', '1', '-d', '-W', '2']);
    expect(wildcard.output).toContain('Subscribed (mid: 1): 128');
    await waitFor(() => driver.health().errors['subscribe-refused'] === 1, { what: 'the refusal counted' });
    expect(driver.health().lastError).toBe(`embedded broker 127.0.0.1:${port}: user charger-2 may not subscribe to # (devices publish; only a Sparkplug edge node reads its own commands)`);
  });

  it.concurrent('speaks TLS, and with a CA demands a client certificate signed by it', async (test) => {
    const { sink, port } = await embeddedDriver(test, { tls: { cert: 'tls/broker.pem', key: 'tls/broker.key', ca: 'tls/ca.pem' } });
    const tlsDir = path.join(context.configDir, 'tls');
    const withCertificate = ['--cafile', path.join(tlsDir, 'ca.pem'), '--cert', path.join(tlsDir, 'device.pem'), '--key', path.join(tlsDir, 'device.key')];
    expect(await pub(port, 'charger-2', 'battery staple', 'chargers/c-2/energy', energy(7), withCertificate)).toEqual({ code: 0, output: '' });
    expect((await pub(port, 'charger-2', 'battery staple', 'chargers/c-2/energy', energy(8), ['--cafile', path.join(tlsDir, 'ca.pem')])).code).not.toBe(0);
    expect((await pub(port, 'charger-2', 'battery staple', 'chargers/c-2/energy', energy(9))).code).not.toBe(0);
    await waitFor(() => sink.received.length === 2, { what: 'the TLS readings' });
    expect(sink.received.map((reading) => reading.value)).toEqual([7, 0]);
  });

  it.concurrent('binds to loopback when listen names only a port, and loopback is the default', async (test) => {
    const document = mqttDeviceSchema.parse({ name: 'x', protocol: 'mqtt', profile: 'p', broker: 'embedded', topic: 't', embedded: { users: [{ username: 'u', passwordEnv: 'U' }] } });
    expect(document.embedded?.listen).toBe('127.0.0.1:1883');
    const lines: string[] = [];
    const log = createLogger({ component: 'test', sink: { write: (line: string) => lines.push(line) } });
    const port = await freePort();
    await embeddedDriver(test, { listen: String(port) }, {}, log);
    const listening = lines.map((line) => JSON.parse(line) as { event: string; address?: string }).find((line) => line.event === 'mqtt.embedded_broker.listening');
    // The socket's own address, not the setting's.
    expect(listening?.address).toBe(`127.0.0.1:${port}`);
    const outside = Object.values(os.networkInterfaces())
      .flat()
      .find((address) => address?.family === 'IPv4' && !address.internal)?.address;
    if (outside !== undefined) expect(await connectError(outside, port)).toBe('ECONNREFUSED');
  });

  it('refuses to listen beyond loopback in clear text unless told to', () => {
    const check = (embedded: Record<string, unknown>) =>
      checkMqttDevice(
        resolveMqttDevice(
          mqttDeviceSchema.parse({ name: 'x', protocol: 'mqtt', profile: chargerProfile, broker: 'embedded', topics: { status: 's/{device}', energy: 'e/{device}' }, embedded: { users: chargerUsers, ...embedded } }),
          loadProfile(chargerProfile),
          context,
        ),
      );
    expect(check({ listen: '0.0.0.0:1883' })).toEqual([
      {
        path: ['embedded', 'listen'],
        message: "the embedded broker would listen on 0.0.0.0:1883, beyond loopback, without TLS: devices' passwords would cross the network in clear",
        fix: 'add embedded.tls: { cert, key }, or set embedded.allowPlainText: true on a network you trust',
      },
    ]);
    expect(check({ listen: '0.0.0.0:1883', allowPlainText: true })).toEqual([]);
    expect(check({ listen: '0.0.0.0:1883', tls: { cert: 'tls/broker.pem', key: 'tls/broker.key' } })).toEqual([]);
    expect(check({ listen: 'localhost:1883' })).toEqual([]);
  });
});

describe('Sparkplug B on the embedded broker', () => {
  it.concurrent('lets the edge node read its own commands (a rebirth), and keeps no session for it', async (test) => {
    const port = await freePort();
    const document = sparkplugDeviceSchema.parse({
      name: 'station',
      protocol: 'sparkplug',
      profile: sparkplugProfile,
      broker: 'embedded',
      embedded: { listen: `127.0.0.1:${port}`, users: [{ username: 'station-1', passwordEnv: 'DAVY_TEST_STATION_1' }] },
      groupId: 'site',
      edgeNode: 'node-1',
      devices: '*',
    });
    const device = resolveSparkplugDevice(document, loadProfile(sparkplugProfile), context);
    expect(checkSparkplugDevice(device)).toEqual([]);
    const driver = new SparkplugDriver(device, silent);
    test.onTestFinished(() => driver.stop());
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => driver.health().state === 'online', { what: 'the embedded broker' });
    const sim = ManagedProcess.davy(
      'simulators',
      ['mqtt', '--broker', `mqtt://127.0.0.1:${port}`, '--username', 'station-1', '--password-env', 'DAVY_TEST_STATION_1', '--profile', sparkplugProfile, '--group', 'site', '--node', 'node-1', '--devices', '1', '--interval', '200ms'],
      { env: { DAVY_TEST_STATION_1: 'tr0ub4dor' } },
    );
    test.onTestFinished(() => sim.stop());
    await waitFor(() => sink.of('charger-1').length >= 6, { what: 'births and data of charger-1' });
    // device test asks for a rebirth over NCMD: the node has subscribed to it, and answers.
    const birth = await driver.readOnce();
    expect(birth.map((reading) => [reading.point, reading.quality])).toEqual([
      ['power', 'good'],
      ['energy_import', 'good'],
      ['temperature', 'good'],
    ]);
    await sim.waitForEvent('sparkplug.rebirth');
    expect(driver.health().errors).toEqual({});

    // A node asking for a persistent session gets a clean one: nothing queues for it while it is away.
    const { connect } = await import('mqtt');
    const sessionPresent = async () => {
      const client = connect(`mqtt://127.0.0.1:${port}`, { clientId: 'node-1-persistent', clean: false, username: 'station-1', password: 'tr0ub4dor', reconnectPeriod: 0 });
      const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
        client.once('connect', resolve);
        client.once('error', reject);
      });
      const granted = await client.subscribeAsync('spBv1.0/site/NCMD/node-1', { qos: 1 });
      await client.endAsync();
      return { sessionPresent: connack.sessionPresent, granted: granted.map((grant) => grant.qos) };
    };
    expect(await sessionPresent()).toEqual({ sessionPresent: false, granted: [1] });
    expect(await sessionPresent()).toEqual({ sessionPresent: false, granted: [1] });
  });
});

function connectError(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
