/**
 * The EV charger profile (device-profiles/ev-charger-mqtt.yaml) end to end with davy-sim's
 * chargers publishing status and energy through Debian's Mosquitto: first to the driver alone,
 * counting every message; then as real processes — davy-agent into davy-hub — with the values
 * read back from the hub's API.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { ManagedProcess, freePort, tempDir, waitFor } from '@davy/runtime/testing';
import { bundledProfilesDir, loadProfile } from '../src/profiles/index.js';
import { mqttDeviceSchema } from '../src/drivers/mqtt/mqtt-config.js';
import { resolveMqttDevice } from '../src/drivers/mqtt/mqtt-device.js';
import { MqttDriver } from '../src/drivers/mqtt/mqtt-driver.js';
import { startMosquitto } from './fixtures/mqtt/mosquitto.js';
import { RecordingSink } from './support/recording-sink.js';

const profileFile = path.join(bundledProfilesDir, 'ev-charger-mqtt.yaml');
const topics = { status: 'chargers/{device}/status', energy: 'chargers/{device}/energy' };
const rounds = 4;
/** davy-sim stamps round N with clockStart + N × interval: a whole minute an hour ago. */
const clockStart = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;

describe('EV charger over MQTT', () => {
  it.concurrent('reads every message three simulated chargers publish', async (context) => {
    const broker = await startMosquitto(context);
    const document = mqttDeviceSchema.parse({ name: 'chargers', protocol: 'mqtt', profile: profileFile, broker: broker.url, clientId: 'davy-test-ev', topics });
    const driver = new MqttDriver(resolveMqttDevice(document, loadProfile(profileFile)), createLogger({ component: 'test', sink: { write: () => true } }));
    context.onTestFinished(() => driver.stop());
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => driver.health().state === 'online', { what: 'the subscription' });
    const sim = ManagedProcess.davy('simulators', ['mqtt', '--broker', broker.url, '--profile', 'ev-charger-mqtt', '--devices', '3', '--interval', '100ms', '--rounds', String(rounds), '--clock-start', new Date(clockStart).toISOString()]);
    context.onTestFinished(() => sim.stop());
    // Each round: a status (6 points) and an energy message (2 points) per charger.
    expect(await sim.waitForEvent('mqtt.rounds_done')).toMatchObject({ rounds, published: 3 * 2 * rounds });
    await waitFor(() => sink.received.length === 3 * 8 * rounds, { what: 'every reading' });
    expect(sink.discovered.map((entry) => entry.device)).toEqual(['charger-1', 'charger-2', 'charger-3']);
    for (const charger of ['charger-1', 'charger-2', 'charger-3']) {
      const readings = sink.of(charger);
      const of = (point: string) => readings.filter((reading) => reading.point === point).map((reading) => reading.value);
      expect(readings.every((reading) => reading.quality === 'good')).toBe(true);
      // Each round's status (6 points) and energy (2) carry the charger's time of that round, as sent.
      expect(readings.map((reading) => reading.timeMs)).toEqual(readings.map((_reading, index) => clockStart + (Math.floor(index / 8) + 1) * 100));
      expect(of('connector_status')).toEqual([2, 2, 2, 2]);
      expect(of('firmware')).toEqual(['24', '24', '24', '24']);
      for (const power of of('power') as number[]) expect(Math.abs(power - 7.2)).toBeLessThan(0.5);
      // Wh on the wire (the profile scales by 0.001 to kWh); a meter register never runs back.
      const energy = of('energy_import') as number[];
      expect(energy[0]).toBeGreaterThanOrEqual(15_230_400);
      expect(energy.every((value, index) => index === 0 || value >= energy[index - 1]!)).toBe(true);
    }
    expect(driver.health()).toMatchObject({ state: 'online', reads: 3 * 2 * rounds });
    expect(driver.health().errors).toEqual({});
  });

  it.concurrent('reaches the hub through a running agent', async (context) => {
    const { dir, remove } = tempDir('davy-ev-');
    context.onTestFinished(remove);
    const broker = await startMosquitto(context);
    const token = 'davy_test_token_0123456789abcdef0123456789abcdef';
    const grpcPort = await freePort();
    const hub = ManagedProcess.davy('hub', ['start', '--data', path.join(dir, 'hub'), '--http', '127.0.0.1:0', '--grpc', `127.0.0.1:${grpcPort}`], { env: { DAVY_HUB_TOKEN: token } });
    context.onTestFinished(() => hub.stop());
    const httpPort = (await hub.waitForEvent('http.listening')).port as number;
    writeFileSync(
      path.join(dir, 'agent.yaml'),
      [
        'gateway: { id: gw-ev, enterprise: 91350100M000100Y43, site: Charging station }',
        `hub: { address: 127.0.0.1:${grpcPort} }`,
        'uplink: { batchMaxAge: 50ms }',
        'devices:',
        '  - name: chargers',
        '    protocol: mqtt',
        '    profile: ev-charger-mqtt',
        `    broker: ${broker.url}`,
        `    topics: { status: '${topics.status}', energy: '${topics.energy}' }`,
        '',
      ].join('\n'),
    );
    const agent = ManagedProcess.davy('edge-agent', ['start', '--config', path.join(dir, 'agent.yaml')]);
    context.onTestFinished(() => agent.stop());
    await agent.waitForEvent('mqtt.connected');
    const sim = ManagedProcess.davy('simulators', ['mqtt', '--broker', broker.url, '--profile', 'ev-charger-mqtt', '--devices', '2', '--interval', '100ms', '--rounds', '3', '--clock-start', String(clockStart)]);
    context.onTestFinished(() => sim.stop());
    await sim.waitForEvent('mqtt.rounds_done');
    type Latest = { items: Array<{ key: string; value: number | null; quality: string; timeMs: number }> };
    const latest = await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${httpPort}/api/v1/series/latest?gateway=gw-ev`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await response.json()) as Latest;
        // Every series, each at the last (third) round.
        return body.items.length === 2 * 7 && body.items.every((item) => item.timeMs === clockStart + 3 * 100) && body.items;
      },
      { what: 'the latest values of both chargers in the hub, with the source time of the third round', timeoutMs: 20_000 },
    );
    const value = (key: string) => latest.find((item) => item.key === key)?.value;
    expect(latest.map((item) => item.key).sort()).toEqual(
      ['charger-1', 'charger-2'].flatMap((charger) => ['connector_status', 'current', 'energy_import', 'power', 'session_energy', 'temperature', 'voltage'].map((point) => `gw-ev/${charger}/${point}`)).sort(),
    );
    expect(value('gw-ev/charger-2/connector_status')).toBe(2);
    // Scaled by the profile: Wh on the wire, kWh in the hub.
    expect(value('gw-ev/charger-1/energy_import')).toBeGreaterThanOrEqual(15_230.4);
    expect(value('gw-ev/charger-1/energy_import')).toBeLessThan(15_231);
    expect(latest.every((item) => item.quality === 'good')).toBe(true);
  });
});
