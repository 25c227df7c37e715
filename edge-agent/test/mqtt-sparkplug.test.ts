/**
 * The Sparkplug B driver as a host application, through Debian's Mosquitto, against davy-sim's
 * edge node (whose protobuf writer is its own, not the agent's generated code): births,
 * data by alias, a node death and rebirth with a new bdSeq, and a payload that is no protobuf.
 */
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { createLogger } from '@davy/runtime';
import { ManagedProcess, waitFor } from '@davy/runtime/testing';
import { loadProfile } from '../src/profiles/index.js';
import { sparkplugDeviceSchema } from '../src/drivers/mqtt/sparkplug/sparkplug-config.js';
import { checkSparkplugDevice, resolveSparkplugDevice } from '../src/drivers/mqtt/sparkplug/sparkplug-device.js';
import { SparkplugDriver } from '../src/drivers/mqtt/sparkplug/sparkplug-driver.js';
import { startMosquitto } from './fixtures/mqtt/mosquitto.js';
import { RecordingSink } from './support/recording-sink.js';

const log = createLogger({ component: 'test', sink: { write: () => true } });
const profileFile = path.join(import.meta.dirname, 'fixtures', 'mqtt', 'ev-charger-sparkplug.yaml');

function sparkplugDriver(context: TestContext, entry: Record<string, unknown>): SparkplugDriver {
  const document = sparkplugDeviceSchema.parse({ name: 'station', protocol: 'sparkplug', profile: profileFile, groupId: 'site', edgeNode: 'node-1', ...entry });
  const device = resolveSparkplugDevice(document, loadProfile(profileFile));
  expect(checkSparkplugDevice(device)).toEqual([]);
  const driver = new SparkplugDriver(device, log);
  context.onTestFinished(() => driver.stop());
  return driver;
}

async function edgeNode(context: TestContext, broker: string, args: string[]): Promise<ManagedProcess> {
  const sim = ManagedProcess.davy('simulators', ['mqtt', '--broker', broker, '--profile', profileFile, '--group', 'site', '--node', 'node-1', '--interval', '200ms', ...args]);
  context.onTestFinished(() => sim.stop());
  await sim.waitForEvent('mqtt.connected');
  return sim;
}

describe('Sparkplug B driver', () => {
  it.concurrent('reads the devices behind an edge node from their births and data by alias', async (context) => {
    const broker = await startMosquitto(context);
    // The node is up first: its births went out before the agent listened, so the agent asks for a rebirth.
    const sim = await edgeNode(context, broker.url, ['--devices', '2']);
    const driver = sparkplugDriver(context, { broker: broker.url, clientId: 'davy-test-spb', devices: '*' });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => sink.of('charger-2').length >= 9, { what: 'births and two rounds of data from charger-2' });
    await sim.waitForEvent('sparkplug.rebirth');
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
      // Times are the node's: its payload timestamps, never 0 for a metric without one of its own.
      expect(readings.every((reading) => Math.abs(reading.timeMs - Date.now()) < 60_000)).toBe(true);
    }
    expect(sink.events.map((event) => [event.type, event.body.device])).toEqual([
      ['device.online', 'charger-1'],
      ['device.online', 'charger-2'],
    ]);
    expect(driver.health()).toMatchObject({ state: 'online', errors: {} });
  });

  it.concurrent('takes the devices offline at the node\'s death, online at its rebirth, and skips a payload that is no protobuf', async (context) => {
    const broker = await startMosquitto(context);
    const driver = sparkplugDriver(context, { broker: broker.url, clientId: 'davy-test-death', devices: ['charger-1'] });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => driver.health().state === 'online', { what: 'the subscription' });
    const sim = await edgeNode(context, broker.url, ['--devices', '2', '--fault', 'malformed@1s', '--fault', 'node-death@2s']);
    await sim.waitForEvent('mqtt.fault', 15_000, (event) => event.kind === 'node-death');
    await waitFor(() => sink.events.filter((event) => event.type === 'device.online').length === 2, { what: 'the device back online', timeoutMs: 15_000 });
    expect(sink.events.map((event) => [event.type, event.body.device, event.body.reason])).toEqual([
      ['device.online', 'charger-1', undefined],
      ['device.offline', 'charger-1', 'NDEATH of node-1'],
      ['device.online', 'charger-1', undefined],
    ]);
    // Only the listed device is read.
    expect(sink.discovered).toEqual([{ device: 'charger-1', like: 'station' }]);
    expect(driver.health().errors).toEqual({ malformed: 1 });
    expect(driver.health().lastError).toMatch(/^payload on spBv1\.0\/site\/DDATA\/node-1\/charger-1 is not a Sparkplug B payload: /);
  });
});
