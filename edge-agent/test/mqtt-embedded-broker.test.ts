/**
 * Devices pushing into the broker embedded in the agent, played by Debian's mosquitto_pub:
 * per-device logins (a wrong password refused and counted), a user bound to its own device,
 * TLS with and without client certificates, and the loopback default.
 */
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { createLogger } from '@davy/runtime';
import { freePort, waitFor } from '@davy/runtime/testing';
import { bundledProfilesDir, loadProfile } from '../src/profiles/index.js';
import { mqttDeviceSchema } from '../src/drivers/mqtt/mqtt-config.js';
import { checkMqttDevice, resolveMqttDevice } from '../src/drivers/mqtt/mqtt-device.js';
import { MqttDriver } from '../src/drivers/mqtt/mqtt-driver.js';
import { mosquittoPub } from './fixtures/mqtt/mosquitto.js';
import { RecordingSink } from './support/recording-sink.js';

const log = createLogger({ component: 'test', sink: { write: () => true } });
const chargerProfile = path.join(bundledProfilesDir, 'ev-charger-mqtt.yaml');
const tlsDir = path.join(import.meta.dirname, 'fixtures', 'mqtt', 'tls');
const energy = (wh: number) => JSON.stringify({ ts: 1764115200, meter: { energy_Wh: wh, session_Wh: 0 } });

process.env.DAVY_TEST_CHARGER_1 = 'correct horse';
process.env.DAVY_TEST_CHARGER_2 = 'battery staple';

async function embeddedDriver(context: TestContext, embedded: Record<string, unknown>): Promise<{ driver: MqttDriver; sink: RecordingSink; port: number }> {
  const port = await freePort();
  const document = mqttDeviceSchema.parse({
    name: 'chargers',
    protocol: 'mqtt',
    profile: chargerProfile,
    broker: 'embedded',
    topics: { status: 'chargers/{device}/status', energy: 'chargers/{device}/energy' },
    embedded: {
      listen: `127.0.0.1:${port}`,
      users: [
        { username: 'charger-1', passwordEnv: 'DAVY_TEST_CHARGER_1', device: 'c-1' },
        { username: 'charger-2', passwordEnv: 'DAVY_TEST_CHARGER_2' },
      ],
      ...embedded,
    },
  });
  const device = resolveMqttDevice(document, loadProfile(chargerProfile));
  expect(checkMqttDevice(device)).toEqual([]);
  const driver = new MqttDriver(device, log);
  context.onTestFinished(() => driver.stop());
  const sink = new RecordingSink();
  driver.start(sink);
  await waitFor(() => driver.health().state === 'online', { what: 'the embedded broker' });
  return { driver, sink, port };
}

const pub = (port: number, user: string, password: string, topic: string, message: string, extra: string[] = []) =>
  mosquittoPub(['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-u', user, '-P', password, '-t', topic, '-m', message, ...extra]);

describe('embedded MQTT broker', () => {
  it.concurrent('takes devices with their own password, and refuses a wrong one', async (context) => {
    const { driver, sink, port } = await embeddedDriver(context, {});
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

  it.concurrent('lets a user bound to a device publish as that device only', async (context) => {
    const { driver, sink, port } = await embeddedDriver(context, {});
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

  it.concurrent('speaks TLS, and with a CA demands a client certificate signed by it', async (context) => {
    const { sink, port } = await embeddedDriver(context, {
      tls: { cert: path.join(tlsDir, 'broker.pem'), key: path.join(tlsDir, 'broker.key'), ca: path.join(tlsDir, 'ca.pem') },
    });
    const withCertificate = ['--cafile', path.join(tlsDir, 'ca.pem'), '--cert', path.join(tlsDir, 'device.pem'), '--key', path.join(tlsDir, 'device.key')];
    expect(await pub(port, 'charger-2', 'battery staple', 'chargers/c-2/energy', energy(7), withCertificate)).toEqual({ code: 0, output: '' });
    expect((await pub(port, 'charger-2', 'battery staple', 'chargers/c-2/energy', energy(8), ['--cafile', path.join(tlsDir, 'ca.pem')])).code).not.toBe(0);
    expect((await pub(port, 'charger-2', 'battery staple', 'chargers/c-2/energy', energy(9))).code).not.toBe(0);
    await waitFor(() => sink.received.length === 2, { what: 'the TLS readings' });
    expect(sink.received.map((reading) => reading.value)).toEqual([7, 0]);
  });

  it('listens on loopback unless told otherwise', () => {
    const document = mqttDeviceSchema.parse({ name: 'x', protocol: 'mqtt', profile: 'p', broker: 'embedded', topic: 't', embedded: { users: [{ username: 'u', passwordEnv: 'U' }] } });
    expect(document.embedded?.listen).toBe('127.0.0.1:1883');
  });
});
