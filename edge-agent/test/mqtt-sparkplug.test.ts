/**
 * The Sparkplug B driver as a host application, through Debian's Mosquitto, against davy-sim's
 * edge node (whose protobuf writer is its own, not the agent's generated code, and whose clock
 * is pinned so source times are checked to the millisecond): births, data by alias, joining a
 * running node, a node death and rebirth with a new bdSeq, a payload that is no protobuf, and
 * a cut line after which the broker's queued data is read with the tables the host kept.
 */
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { createLogger } from '@davy/runtime';
import { ManagedProcess, TcpProxy, waitFor } from '@davy/runtime/testing';
import { loadProfile } from '../src/profiles/index.js';
import { sparkplugDeviceSchema } from '../src/drivers/mqtt/sparkplug/sparkplug-config.js';
import { checkSparkplugDevice, resolveSparkplugDevice } from '../src/drivers/mqtt/sparkplug/sparkplug-device.js';
import { SparkplugDriver } from '../src/drivers/mqtt/sparkplug/sparkplug-driver.js';
import { mosquittoSub, startMosquitto } from './fixtures/mqtt/mosquitto.js';
import { RecordingSink, type DeviceReading } from './support/recording-sink.js';

const log = createLogger({ component: 'test', sink: { write: () => true } });
const profileFile = path.join(import.meta.dirname, 'fixtures', 'mqtt', 'ev-charger-sparkplug.yaml');
/** davy-sim stamps round N with clockStart + N × interval, births with the last round's time: a whole minute an hour ago. */
const clockStart = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
const intervalMs = 200;

function sparkplugDriver(context: TestContext, entry: Record<string, unknown>): SparkplugDriver {
  const document = sparkplugDeviceSchema.parse({ name: 'station', protocol: 'sparkplug', profile: profileFile, groupId: 'site', edgeNode: 'node-1', ...entry });
  const device = resolveSparkplugDevice(document, loadProfile(profileFile));
  expect(checkSparkplugDevice(device)).toEqual([]);
  const driver = new SparkplugDriver(device, log);
  context.onTestFinished(() => driver.stop());
  return driver;
}

async function edgeNode(context: TestContext, broker: string, args: string[]): Promise<ManagedProcess> {
  const sim = ManagedProcess.davy('simulators', [
    'mqtt',
    ...['--broker', broker, '--profile', profileFile, '--group', 'site', '--node', 'node-1'],
    ...['--interval', `${intervalMs}ms`, '--clock-start', String(clockStart), ...args],
  ]);
  context.onTestFinished(() => sim.stop());
  await sim.waitForEvent('mqtt.connected');
  return sim;
}

/** The times of a device's messages, once each (a birth shares its time with the round before it). */
const messageTimes = (readings: DeviceReading[]) => [...new Set(readings.map((reading) => reading.timeMs))];

describe('Sparkplug B driver', () => {
  it.concurrent('joins a running edge node: asks for its births, then reads data by alias, with the node\'s times', async (context) => {
    const broker = await startMosquitto(context);
    // The node is up first: its births went out before the agent listened, and its data keeps coming.
    const sim = await edgeNode(context, broker.url, ['--devices', '2']);
    // Its data reaching a subscriber proves its births (sent first on its connection) are past the broker.
    const data = await mosquittoSub(['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'spBv1.0/site/DDATA/node-1/#', '-C', '1', '-W', '10']);
    expect(data.code).toBe(0);
    const driver = sparkplugDriver(context, { broker: broker.url, clientId: 'davy-test-spb', devices: '*' });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => sink.of('charger-2').length >= 9, { what: 'births and two rounds of data from charger-2' });
    const birthMs = (await sim.waitForEvent('sparkplug.rebirth')).timestampMs as number;
    expect((birthMs - clockStart) % intervalMs).toBe(0);
    expect(sink.discovered).toEqual([
      { device: 'charger-1', like: 'station' },
      { device: 'charger-2', like: 'station' },
    ]);
    for (const charger of ['charger-1', 'charger-2']) {
      const readings = sink.of(charger);
      expect(readings.slice(0, 3).map(({ point, value, quality }) => [point, typeof value === 'number' && point === 'energy_import' ? 'counting' : value, quality])).toEqual([
        ['power', 7.2, 'good'],
        ['energy_import', 'counting', 'good'],
        ['temperature', 35.5, 'good'],
      ]);
      const energy = readings.filter((reading) => reading.point === 'energy_import').map((reading) => reading.value as number);
      expect(energy.every((value, index) => index === 0 || value >= energy[index - 1]!)).toBe(true);
      expect(energy[0]).toBeGreaterThanOrEqual(1_000_000);
      // The births carry the node's time of the rebirth, each round after it the next tick: three metrics a message.
      expect(readings.map((reading) => reading.timeMs)).toEqual(readings.map((_reading, index) => birthMs + Math.floor(index / 3) * intervalMs));
    }
    expect(sink.events.map((event) => [event.type, event.body.device])).toEqual([
      ['device.online', 'station'],
      ['device.online', 'charger-1'],
      ['device.online', 'charger-2'],
    ]);
    // The data that came before the births it asked for is no error: the host just joined.
    expect(driver.health()).toMatchObject({ state: 'online' });
    expect(driver.health().errors).toEqual({});
  });

  it.concurrent('takes the devices offline at the node\'s death, online at its rebirth, and skips a payload that is no protobuf', async (context) => {
    const broker = await startMosquitto(context);
    const driver = sparkplugDriver(context, { broker: broker.url, clientId: 'davy-test-death', devices: ['charger-1'] });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => driver.health().state === 'online', { what: 'the subscription' });
    const sim = await edgeNode(context, broker.url, ['--devices', '2', '--fault', 'malformed@1s', '--fault', 'node-death@2s']);
    await sim.waitForEvent('mqtt.fault', 15_000, (event) => event.kind === 'node-death');
    await waitFor(() => sink.events.filter((event) => event.type === 'device.online').length === 3, { what: 'the device back online', timeoutMs: 15_000 });
    expect(sink.events.map((event) => [event.type, event.body.device, event.body.reason])).toEqual([
      ['device.online', 'station', undefined],
      ['device.online', 'charger-1', undefined],
      ['device.offline', 'charger-1', 'NDEATH of node-1'],
      ['device.online', 'charger-1', undefined],
    ]);
    // Only the listed device is read.
    expect(sink.discovered).toEqual([{ device: 'charger-1', like: 'station' }]);
    expect(driver.health().errors).toEqual({ malformed: 1 });
    expect(driver.health().lastError).toMatch(/^payload on spBv1\.0\/site\/DDATA\/node-1\/charger-1 is not a Sparkplug B payload: /);
    // Every round is the node's tick, the births at the start of each session too.
    const times = messageTimes(sink.of('charger-1'));
    expect(times.every((timeMs) => (timeMs - clockStart) % intervalMs === 0)).toBe(true);
  });

  it.concurrent('reads the data the broker kept while the line was cut, with the alias tables it had, and asks for births again', async (context) => {
    // Queued messages go out at once when the agent is back (no inflight window), ahead of the births it asks for.
    const broker = await startMosquitto(context, ['max_inflight_messages 0']);
    const proxy = new TcpProxy(broker.port);
    await proxy.start();
    context.onTestFinished(() => proxy.close());
    const driver = sparkplugDriver(context, { broker: `mqtt://127.0.0.1:${proxy.port}`, clientId: 'davy-test-spb-cut', devices: '*', keepalive: '1s', connectTimeout: '1s' });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => driver.health().state === 'online', { what: 'the subscription' });
    const sim = await edgeNode(context, broker.url, ['--devices', '1']);
    await waitFor(() => sink.of('charger-1').length >= 9, { what: 'births and two rounds' });
    const beforeCut = messageTimes(sink.of('charger-1')).at(-1)!;
    await proxy.cut(3_000);
    await waitFor(() => sim.events().filter((event) => event.event === 'sparkplug.rebirth').length >= 1, { what: 'the rebirth asked for on reconnect', timeoutMs: 20_000 });
    const rebirthMs = sim.events().find((event) => event.event === 'sparkplug.rebirth')!.timestampMs as number;
    await waitFor(() => messageTimes(sink.of('charger-1')).at(-1)! >= rebirthMs + 2 * intervalMs, { what: 'rounds after the rebirth' });
    const times = messageTimes(sink.of('charger-1'));
    // Not one round missing: what was published during the cut came from the broker's queue, read with the tables kept.
    expect(times.slice(1).map((timeMs, index) => timeMs - times[index]!)).toEqual(times.slice(1).map(() => intervalMs));
    expect(rebirthMs - beforeCut).toBeGreaterThanOrEqual(2_000);
    // The entry (the subscription) and the device behind the node, each once per change (the
    // queued data may bring the device back before the subscription is confirmed).
    const changes = (device: string) => sink.events.filter((event) => event.body.device === device).map((event) => event.type);
    for (const device of ['station', 'charger-1']) expect(changes(device)).toEqual(['device.online', 'device.offline', 'device.online']);
    expect(driver.health().errors).toEqual({});
  });
});
