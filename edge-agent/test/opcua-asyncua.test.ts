/**
 * The agent against an OPC UA server this project did not write: asyncua (PyPI), serving a fan,
 * with security None and with SignAndEncrypt Basic256Sha256 (its certificate made by asyncua in
 * a temp folder; the agent trusts it on first sight, `trustServerCertificate: auto`; asyncua
 * accepts the agent's certificate, having no certificate validator). Also `device discover`
 * against it: the profile it writes has the unit from asyncua's EUInformation.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { ManagedProcess, freePort, runDavy, tempDir, waitFor, acceptsConnections } from '@davy/runtime/testing';
import { loadProfile } from '../src/profiles/index.js';
import { RecordingSink } from './support/recording-sink.js';
import { opcuaDriver, pkiOfTestFile } from './support/opcua-sim.js';

const fixtures = path.join(import.meta.dirname, 'fixtures', 'opcua');
const profile = path.join(fixtures, 'asyncua-fan.yaml');
const pki = pkiOfTestFile();

/**
 * The interpreter itself of the python3 first on PATH (where pip installed asyncua): pyenv's
 * shim runs it as a child, so stopping the shim would leave the server running.
 */
const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

/** asyncua_fan_server.py on a free port. */
async function asyncuaServer(context: TestContext, mode: 'None' | 'SignAndEncrypt'): Promise<{ endpoint: string; dir: string }> {
  const { dir, remove } = tempDir('davy-asyncua-');
  const port = await freePort();
  const server = new ManagedProcess('asyncua', python, [path.join(fixtures, 'asyncua_fan_server.py'), String(port), mode, dir]);
  context.onTestFinished(async () => {
    await server.stop();
    remove();
  });
  await server.waitForLine((line) => line === 'listening', 30_000, 'asyncua listening');
  await waitFor(() => acceptsConnections(port), { what: `asyncua on ${port}` });
  return { endpoint: `opc.tcp://127.0.0.1:${port}/davy/peer`, dir };
}

describe('davy-agent against asyncua (Python)', { timeout: 60_000 }, () => {
  it.concurrent.for(['None', 'SignAndEncrypt'] as const)('subscribes with security %s: values, source timestamps, node ids by namespace URI and browse path', async (mode, context) => {
    const { endpoint } = await asyncuaServer(context, mode);
    const security = mode === 'None' ? {} : { securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', trustServerCertificate: 'auto' };
    // Generous timeouts: a first SignAndEncrypt handshake with the Python server (RSA on both sides)
    // took past the defaults on a loaded CI machine, and this test is about the session, not the timeouts.
    const patient = { connectTimeout: '30s', timeout: '15s' };
    const { driver, spec } = opcuaDriver(context, profile, { endpoint, pki, samplingInterval: '100ms', publishingInterval: '200ms', ...patient, ...security });
    const sink = new RecordingSink();
    driver.start(sink);
    await waitFor(() => sink.received.filter((reading) => reading.point === 'ticks').length >= 10, { what: 'ten tick notifications', timeoutMs: 40_000 });
    const ticks = sink.received.filter((reading) => reading.point === 'ticks');
    const values = ticks.map((reading) => reading.value as number);
    expect(values.every((value, index) => index === 0 || value > values[index - 1]!)).toBe(true);
    // Tick n is stamped 2024-01-01 + n × 100 ms at the source: that time, not the server's clock nor the agent's, is the reading's.
    expect(ticks.map((reading) => reading.timeMs - 100 * (reading.value as number))).toEqual(ticks.map(() => Date.UTC(2024, 0, 1)));
    expect(new Set(sink.received.map((reading) => reading.point))).toEqual(new Set(['running', 'speed', 'ticks', 'motor_current']));
    expect(sink.received.every((reading) => reading.quality === 'good')).toBe(true);
    expect(sink.received.find((reading) => reading.point === 'running')?.value).toBe(true);
    expect(sink.events.map((event) => event.type)).toEqual(['device.online']);
    if (mode === 'SignAndEncrypt') {
      // Trusted on first sight, kept in the agent's own PKI folder.
      expect(readdirSync(path.join(spec.pkiDir, 'trusted', 'certs')).some((file) => file.startsWith('asyncua fan'))).toBe(true);
      expect(readdirSync(path.join(spec.pkiDir, 'own', 'certs'))).toContain('client_certificate.pem');
    }
  });

  it.concurrent('device test reads every point over SignAndEncrypt, and device discover writes a profile with asyncua\'s units', async (context) => {
    const { endpoint } = await asyncuaServer(context, 'SignAndEncrypt');
    const { dir, remove } = tempDir('davy-asyncua-agent-');
    context.onTestFinished(remove);
    const config = path.join(dir, 'agent.yaml');
    writeFileSync(
      config,
      [
        'gateway: { id: gw-peer, enterprise: 91350100M000100Y43, site: Peer test }',
        'hub: { address: 127.0.0.1:9 }',
        'devices:',
        `  - { name: fan-1, protocol: opcua, profile: ${profile}, endpoint: '${endpoint}', securityMode: SignAndEncrypt, trustServerCertificate: auto }`,
        '',
      ].join('\n'),
    );
    const [test, discover] = await Promise.all([
      runDavy('edge-agent', ['device', 'test', 'fan-1', '--config', config]),
      runDavy('edge-agent', ['device', 'discover', endpoint, '--security-mode', 'SignAndEncrypt', '--trust-server-certificate', 'auto', '--pki', path.join(dir, 'discover-pki'), '--out', path.join(dir, 'discovered.yaml')]),
    ]);
    const table = test.output.split('\n').slice(2, 8).join('\n');
    expect(table).toMatch(/^POINT +RAW +VALUE +UNIT +QUALITY\n/);
    expect(table).toMatch(/\nrunning +ns=\d+;s=Fan\.Running Boolean +1 +good\n/);
    expect(table).toMatch(/\nticks +ns=\d+;s=Fan\.Ticks UInt32 +\d+ +good/);
    expect(test.code).toBe(0);
    // The agent's PKI is created next to the outbox file (data/pki), never in the home folder.
    expect(readdirSync(path.join(dir, 'data', 'pki', 'trusted', 'certs'))).toHaveLength(1);

    expect(discover.code).toBe(0);
    const discovered = loadProfile(path.join(dir, 'discovered.yaml'));
    expect(discovered.document).toMatchObject({ protocol: 'opcua', namespace: 'urn:davy:asyncua-peer' });
    const points = (discovered.document.points as Array<{ name: string; nodeId: string; dataType: string; unit: string }>).map(({ name, nodeId, dataType, unit }) => ({ name, nodeId, dataType, unit }));
    expect(points).toEqual(
      expect.arrayContaining([
        { name: 'fan_speed', nodeId: 'nsu=urn:davy:asyncua-peer;s=Fan.Speed', dataType: 'Double', unit: 'rpm' },
        { name: 'fan_running', nodeId: 'nsu=urn:davy:asyncua-peer;s=Fan.Running', dataType: 'Boolean', unit: '' },
        { name: 'fan_ticks', nodeId: 'nsu=urn:davy:asyncua-peer;s=Fan.Ticks', dataType: 'UInt32', unit: '' },
      ]),
    );
    // The EngineeringUnits property is the speed's unit, not a point of its own.
    expect(points.some((point) => point.name.includes('engineering'))).toBe(false);
    expect(readFileSync(path.join(dir, 'discovered.yaml'), 'utf8')).toMatch(/^# Written by davy-agent device discover/);
  });
});
