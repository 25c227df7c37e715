/**
 * The MQTT driver subscribed through Debian's Mosquitto, with Debian's mosquitto_pub as the
 * devices: chargers found by the {device} level of their topics, exact values and source
 * times, a malformed payload counted and skipped, a broker killed and restarted, and messages
 * a persistent session kept while the agent was away.
 */
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { createLogger } from '@davy/runtime';
import { waitFor } from '@davy/runtime/testing';
import { bundledProfilesDir, loadProfile } from '../src/profiles/index.js';
import { mqttDeviceSchema } from '../src/drivers/mqtt/mqtt-config.js';
import { checkMqttDevice, resolveMqttDevice } from '../src/drivers/mqtt/mqtt-device.js';
import { MqttDriver } from '../src/drivers/mqtt/mqtt-driver.js';
import { mosquittoPub, startMosquitto } from './fixtures/mqtt/mosquitto.js';
import { RecordingSink } from './support/recording-sink.js';

const log = createLogger({ component: 'test', sink: { write: () => true } });
const chargerProfile = path.join(bundledProfilesDir, 'ev-charger-mqtt.yaml');
const topics = { status: 'chargers/{device}/status', energy: 'chargers/{device}/energy' };

function chargerDriver(context: TestContext, entry: Record<string, unknown>): MqttDriver {
  const document = mqttDeviceSchema.parse({ name: 'chargers', protocol: 'mqtt', profile: chargerProfile, topics, ...entry });
  const device = resolveMqttDevice(document, loadProfile(chargerProfile));
  expect(checkMqttDevice(device)).toEqual([]);
  const driver = new MqttDriver(device, log);
  context.onTestFinished(() => driver.stop());
  return driver;
}

const status = (fields: { ts: unknown; status?: string; power?: unknown }) =>
  JSON.stringify({ ts: fields.ts, connector: { status: fields.status ?? 'Charging', power_kW: fields.power ?? 7.2, voltage_V: 230.4, current_A: 31.3 }, temperature_C: 38.5, firmware: '2.4.1' });

async function publish(url: string, topic: string, message: string): Promise<void> {
  const { port } = new URL(url);
  const result = await mosquittoPub(['-h', '127.0.0.1', '-p', port, '-q', '1', '-t', topic, '-m', message]);
  expect(result).toEqual({ code: 0, output: '' });
}

describe('MQTT driver through Mosquitto', () => {
  it.concurrent('maps what chargers publish, naming each charger by its topic', async (context) => {
    const broker = await startMosquitto(context);
    const driver = chargerDriver(context, { broker: broker.url, clientId: 'davy-test-map' });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => driver.health().state === 'online', { what: 'the subscription' });
    await publish(broker.url, 'chargers/c-7/status', status({ ts: '2026-11-26T08:00:00.250+08:00', status: 'Charging' }));
    await publish(broker.url, 'chargers/c-7/energy', JSON.stringify({ ts: 1764115200, meter: { energy_Wh: 15230400, session_Wh: 5400 } }));
    await publish(broker.url, 'chargers/c-8/energy', JSON.stringify({ ts: 1764115200123, meter: { energy_Wh: 10 } }));
    await waitFor(() => sink.received.length === 10, { what: '10 readings' });
    const statusTime = Date.parse('2026-11-26T00:00:00.250Z');
    expect(sink.of('c-7').map(({ point, value, timeMs, quality, error }) => ({ point, value, timeMs, quality, error }))).toEqual([
      { point: 'connector_status', value: 2, timeMs: statusTime, quality: 'good', error: undefined },
      { point: 'power', value: 7.2, timeMs: statusTime, quality: 'good', error: undefined },
      { point: 'voltage', value: 230.4, timeMs: statusTime, quality: 'good', error: undefined },
      { point: 'current', value: 31.3, timeMs: statusTime, quality: 'good', error: undefined },
      { point: 'temperature', value: 38.5, timeMs: statusTime, quality: 'good', error: undefined },
      { point: 'firmware', value: '2.4.1', timeMs: statusTime, quality: 'good', error: undefined },
      { point: 'energy_import', value: 15230400, timeMs: 1764115200000, quality: 'good', error: undefined },
      { point: 'session_energy', value: 5400, timeMs: 1764115200000, quality: 'good', error: undefined },
    ]);
    // A value the payload lacks is a bad reading naming the path, never a zero.
    expect(sink.of('c-8').map(({ point, value, timeMs, quality, error }) => ({ point, value, timeMs, quality, error }))).toEqual([
      { point: 'energy_import', value: 10, timeMs: 1764115200123, quality: 'good', error: undefined },
      { point: 'session_energy', value: null, timeMs: 1764115200123, quality: 'bad', error: 'no value at meter.session_Wh' },
    ]);
    expect(sink.discovered).toEqual([
      { device: 'c-7', like: 'chargers' },
      { device: 'c-8', like: 'chargers' },
    ]);
    expect(sink.events.map((event) => [event.type, event.body.device])).toEqual([
      ['device.online', 'chargers'],
      ['device.online', 'c-7'],
      ['device.online', 'c-8'],
    ]);
    expect(driver.health()).toMatchObject({ state: 'online', reads: 3, errors: { 'missing-value': 1 } });
  });

  it.concurrent('counts and skips a malformed payload, a wrong type, an unknown state and a bad time, and goes on', async (context) => {
    const broker = await startMosquitto(context);
    const driver = chargerDriver(context, { broker: broker.url, clientId: 'davy-test-bad' });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => driver.health().state === 'online', { what: 'the subscription' });
    await publish(broker.url, 'chargers/c-1/status', '{"connector": {"power_kW": 7.');
    await publish(broker.url, 'chargers/c-1/status', status({ ts: '2026-11-26 08:00:00', status: 'Exploded', power: '7.2' }));
    await publish(broker.url, 'chargers/c-1/status', status({ ts: '2026-11-26T08:00:01Z' }));
    await waitFor(() => sink.received.length === 12, { what: 'two status messages of readings' });
    const [bad, good] = [sink.received.slice(0, 6), sink.received.slice(6)];
    expect(bad.map(({ point, value, quality, error }) => ({ point, value, quality, error }))).toEqual([
      { point: 'connector_status', value: null, quality: 'bad', error: 'connector.status is text "Exploded", not one of the states Available, Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing, Reserved, Unavailable, Faulted' },
      { point: 'power', value: null, quality: 'bad', error: 'connector.power_kW is text "7.2", expected a number' },
      ...['voltage', 'current', 'temperature'].map((point) => ({
        point,
        value: point === 'voltage' ? 230.4 : point === 'current' ? 31.3 : 38.5,
        quality: 'uncertain',
        error: 'source time at ts: "2026-11-26 08:00:00" has no UTC offset (add Z or +08:00); the agent\'s receive time is used',
      })),
      { point: 'firmware', value: '2.4.1', quality: 'uncertain', error: 'source time at ts: "2026-11-26 08:00:00" has no UTC offset (add Z or +08:00); the agent\'s receive time is used' },
    ]);
    expect(good.every((reading) => reading.quality === 'good' && reading.timeMs === Date.parse('2026-11-26T08:00:01Z'))).toBe(true);
    expect(driver.health()).toMatchObject({ state: 'online', reads: 3, errors: { malformed: 1, 'unknown-state': 1, 'wrong-type': 1, 'source-time': 1 } });
  });

  it.concurrent('goes offline once when Mosquitto dies, and reads again when it is back', async (context) => {
    const broker = await startMosquitto(context);
    const driver = chargerDriver(context, { broker: broker.url, clientId: 'davy-test-restart', keepalive: '2s' });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => driver.health().state === 'online', { what: 'the subscription' });
    await publish(broker.url, 'chargers/c-1/energy', JSON.stringify({ ts: 1764115200, meter: { energy_Wh: 1, session_Wh: 1 } }));
    await waitFor(() => sink.received.length === 2, { what: 'the first readings' });
    broker.process.kill('SIGKILL');
    await waitFor(() => sink.events.some((event) => event.type === 'device.offline'), { what: 'the offline events' });
    await broker.restart();
    await waitFor(() => driver.health().state === 'online', { what: 'the subscription again', timeoutMs: 20_000 });
    // Mosquitto came back without the session: the driver subscribed again.
    await publish(broker.url, 'chargers/c-1/energy', JSON.stringify({ ts: 1764115201, meter: { energy_Wh: 2, session_Wh: 2 } }));
    await waitFor(() => sink.received.length === 4, { what: 'readings after the restart' });
    expect(sink.received.map((reading) => reading.value)).toEqual([1, 1, 2, 2]);
    expect(sink.events.map((event) => [event.type, event.body.device])).toEqual([
      ['device.online', 'chargers'],
      ['device.online', 'c-1'],
      ['device.offline', 'chargers'],
      ['device.offline', 'c-1'],
      ['device.online', 'chargers'],
      ['device.online', 'c-1'],
    ]);
    expect(sink.events[2]!.body).toMatchObject({ broker: broker.url, reason: 'connection closed' });
  });

  it.concurrent('gets what was published while it was away, from its persistent session', async (context) => {
    const broker = await startMosquitto(context);
    const first = chargerDriver(context, { broker: broker.url, clientId: 'davy-test-session' });
    first.start(new RecordingSink());
    await waitFor(() => first.health().state === 'online', { what: 'the first subscription' });
    await first.stop();
    for (const energy of [1, 2, 3]) await publish(broker.url, 'chargers/c-1/energy', JSON.stringify({ ts: 1764115200 + energy, meter: { energy_Wh: energy, session_Wh: 0 } }));
    const second = chargerDriver(context, { broker: broker.url, clientId: 'davy-test-session' });
    const sink = new RecordingSink();
    second.start(sink);
    await waitFor(() => sink.received.length === 6, { what: 'the three queued messages' });
    expect(sink.of('c-1').filter((reading) => reading.point === 'energy_import').map((reading) => reading.value)).toEqual([1, 2, 3]);
  });
});
