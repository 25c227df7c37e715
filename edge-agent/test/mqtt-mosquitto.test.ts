/**
 * The MQTT driver subscribed through Debian's Mosquitto, with Debian's mosquitto_pub as the
 * devices: chargers found by the {device} level of their topics, exact values and source
 * times, a malformed payload counted and skipped, a broker killed and restarted, messages a
 * persistent session kept while the agent was away, topics changed under a persistent session,
 * a charger that falls silent (staleAfter), and chargers beyond maxDevices. Plus a broker that
 * refuses subscriptions (aedes: Mosquitto grants every filter and filters on delivery).
 */
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { createLogger } from '@davy/runtime';
import { freePort, waitFor } from '@davy/runtime/testing';
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
    await publish(broker.url, 'chargers/c-7/status', status({ ts: '2025-11-26T08:00:00.250+08:00', status: 'Charging' }));
    await publish(broker.url, 'chargers/c-7/energy', JSON.stringify({ ts: 1764115200, meter: { energy_Wh: 15230400, session_Wh: 5400 } }));
    await publish(broker.url, 'chargers/c-8/energy', JSON.stringify({ ts: 1764115200123, meter: { energy_Wh: 10 } }));
    await waitFor(() => sink.received.length === 10, { what: '10 readings' });
    const statusTime = Date.parse('2025-11-26T00:00:00.250Z');
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
    expect(driver.health()).toMatchObject({ state: 'online', reads: 3 });
    expect(driver.health().errors).toEqual({ 'missing-value': 1 });
  });

  it.concurrent('counts and skips a malformed payload, a wrong type, an unknown state, a bad time and one that cannot be true, and goes on', async (context) => {
    const broker = await startMosquitto(context);
    const driver = chargerDriver(context, { broker: broker.url, clientId: 'davy-test-bad' });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => driver.health().state === 'online', { what: 'the subscription' });
    await publish(broker.url, 'chargers/c-1/status', '{"connector": {"power_kW": 7.');
    await publish(broker.url, 'chargers/c-1/status', status({ ts: '2026-11-26 08:00:00', status: 'Exploded', power: '7.2' }));
    await publish(broker.url, 'chargers/c-1/status', status({ ts: '2025-11-26T08:00:01Z' }));
    // Microseconds, read as milliseconds: the year 57,873.
    const sentMs = Date.now();
    await publish(broker.url, 'chargers/c-1/energy', JSON.stringify({ ts: 1764144000123456, meter: { energy_Wh: 3, session_Wh: 0 } }));
    await waitFor(() => sink.received.length === 14, { what: 'two status messages and an energy message of readings' });
    const future = sink.received.slice(12);
    expect(future.map(({ point, value, quality, error }) => ({ point, value, quality, error }))).toEqual(
      ['energy_import', 'session_energy'].map((point) => ({
        point,
        value: point === 'energy_import' ? 3 : 0,
        quality: 'uncertain',
        error: "source time at ts: 1764144000123456 (read as +057873-07-01T08:02:03.456Z) is more than a day ahead of the agent's clock: a time in microseconds or nanoseconds?; the agent's receive time is used",
      })),
    );
    expect(future.every((reading) => reading.timeMs >= sentMs && reading.timeMs <= Date.now())).toBe(true);
    const [bad, good] = [sink.received.slice(0, 6), sink.received.slice(6, 12)];
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
    expect(good.every((reading) => reading.quality === 'good' && reading.timeMs === Date.parse('2025-11-26T08:00:01Z'))).toBe(true);
    expect(driver.health()).toMatchObject({ state: 'online', reads: 4 });
    expect(driver.health().errors).toEqual({ malformed: 1, 'unknown-state': 1, 'wrong-type': 1, 'source-time': 2 });
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

  it.concurrent('subscribes at every connect, so topics changed under a persistent session are read, and counts what the old ones bring', async (context) => {
    const broker = await startMosquitto(context);
    const before = chargerDriver(context, { broker: broker.url, clientId: 'davy-test-moved', topics: { status: 'legacy/{device}/status', energy: 'legacy/{device}/energy' } });
    before.start(new RecordingSink());
    await waitFor(() => before.health().state === 'online', { what: 'the first subscription' });
    await before.stop();
    // agent.yaml now names other topics; the broker still has the session with the old ones.
    const after = chargerDriver(context, { broker: broker.url, clientId: 'davy-test-moved' });
    const sink = new RecordingSink();
    after.start(sink);
    await waitFor(() => after.health().state === 'online', { what: 'the subscription' });
    await publish(broker.url, 'chargers/c-1/energy', JSON.stringify({ ts: 1764115200, meter: { energy_Wh: 5, session_Wh: 1 } }));
    await publish(broker.url, 'legacy/c-1/energy', JSON.stringify({ ts: 1764115201, meter: { energy_Wh: 6, session_Wh: 1 } }));
    await waitFor(() => after.health().reads === 2, { what: 'both messages' });
    expect(sink.received.map((reading) => [reading.device, reading.point, reading.value])).toEqual([
      ['c-1', 'energy_import', 5],
      ['c-1', 'session_energy', 1],
    ]);
    expect(after.health().errors).toEqual({ 'unmatched-topic': 1 });
    expect(after.health().lastError).toBe(
      "a message on legacy/c-1/energy, which none of the entry's topics (chargers/+/status, chargers/+/energy) matches: a subscription left in the broker's session by an earlier configuration?",
    );
  });

  it.concurrent('takes a silent charger offline after staleAfter, and back online at its next message', async (context) => {
    const broker = await startMosquitto(context);
    const driver = chargerDriver(context, { broker: broker.url, clientId: 'davy-test-stale', staleAfter: '300ms' });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => driver.health().state === 'online', { what: 'the subscription' });
    const energy = (wh: number) => JSON.stringify({ ts: 1764115200 + wh, meter: { energy_Wh: wh, session_Wh: 0 } });
    await publish(broker.url, 'chargers/c-1/energy', energy(1));
    await waitFor(() => sink.events.some((event) => event.type === 'device.offline'), { what: 'the silent charger offline' });
    await publish(broker.url, 'chargers/c-1/energy', energy(2));
    await waitFor(() => sink.events.length === 4, { what: 'the charger back online' });
    expect(sink.events.map((event) => [event.type, event.body.device])).toEqual([
      ['device.online', 'chargers'],
      ['device.online', 'c-1'],
      ['device.offline', 'c-1'],
      ['device.online', 'c-1'],
    ]);
    expect(sink.events[2]!.body.reason).toMatch(/^no message for \d+ ms \(staleAfter: 300 ms\)$/);
    // The entry itself (no message of its own: its chargers bring theirs) stays with the broker.
    expect(driver.health().state).toBe('online');
  });

  it.concurrent('takes chargers up to maxDevices, and counts and skips the ones beyond', async (context) => {
    const broker = await startMosquitto(context);
    const driver = chargerDriver(context, { broker: broker.url, clientId: 'davy-test-max', maxDevices: 2 });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => driver.health().state === 'online', { what: 'the subscription' });
    // The entry is one of the two: one charger fits.
    for (const charger of ['c-1', 'c-2', 'c-1']) await publish(broker.url, `chargers/${charger}/energy`, JSON.stringify({ ts: 1764115200, meter: { energy_Wh: 1, session_Wh: 0 } }));
    await waitFor(() => driver.health().reads === 3, { what: 'three messages' });
    expect(sink.discovered).toEqual([{ device: 'c-1', like: 'chargers' }]);
    expect(sink.received.map((reading) => reading.device)).toEqual(['c-1', 'c-1', 'c-1', 'c-1']);
    expect(driver.health().errors).toEqual({ 'device-limit': 1 });
    expect(driver.health().lastError).toBe('topic chargers/c-2/energy would be device 3 of chargers, over maxDevices (2): raise maxDevices if the site has that many');
  });

  it.concurrent('stays offline while the broker refuses every subscription, and counts a partial refusal', async (context) => {
    const refusing = await refusingBroker(context, (filter) => filter.startsWith('chargers/'));
    const refused = chargerDriver(context, { broker: refusing.url, clientId: 'davy-test-refused' });
    const sink = new RecordingSink();
    refused.start(sink);
    await waitFor(() => (refused.health().errors.subscribe ?? 0) >= 1, { what: 'the refusal' });
    expect(refused.health().state).toBe('offline');
    expect(refused.health().lastError).toBe("the broker refused the subscription to chargers/+/status, chargers/+/energy: check the user's permissions on the broker");
    expect(sink.events.map((event) => [event.type, event.body.device, event.body.reason])).toEqual([['device.offline', 'chargers', refused.health().lastError]]);
    // It asks again with backoff: permissions may be fixed on the broker.
    await waitFor(() => refusing.subscribes >= 2, { what: 'a second subscription attempt' });

    const partial = chargerDriver(context, { broker: refusing.url, clientId: 'davy-test-partial', topics: { status: 'chargers/{device}/status', energy: 'meters/{device}/energy' } });
    partial.start(new RecordingSink());
    await waitFor(() => partial.health().state === 'online', { what: 'the granted subscription' });
    expect(partial.health().errors).toEqual({ subscribe: 1 });
    expect(partial.health().lastError).toBe("the broker refused the subscription to chargers/+/status (and granted the others): check the user's permissions on the broker");
  });
});

/** An aedes broker on a loopback port that refuses (SUBACK 0x80) the filters `refuses` says. */
async function refusingBroker(context: TestContext, refuses: (filter: string) => boolean): Promise<{ url: string; subscribes: number }> {
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  const state = { url: '', subscribes: 0 };
  aedes.authorizeSubscribe = (_client, subscription, done) => {
    state.subscribes += 1;
    done(null, refuses(subscription.topic) ? null : subscription);
  };
  const server = net.createServer((socket) => aedes.handle(socket));
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  context.onTestFinished(async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  state.url = `mqtt://127.0.0.1:${port}`;
  return state;
}
