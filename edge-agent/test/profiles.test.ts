/**
 * Every shipped Modbus profile against davy-sim: each point pinned to a value with --set, then
 * read by `davy-agent device test` — over Modbus TCP, or RTU over TCP for the RS-485 devices —
 * and the printed value compared with the one its case file expects. One case per profile under
 * fixtures/profile-cases/; a shipped profile without one fails the suite.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ManagedProcess, runDavy, tempDir } from '@davy/runtime/testing';
import { bundledProfilesDir, listProfileNames, loadProfile } from '../src/profiles/index.js';

/** On a loaded machine a davy-sim process may take longer than the default 15 s to start. */
const startupMs = 30_000;

interface ProfileCase {
  line?: 'rtu-over-tcp';
  values: Record<string, number>;
  expected: Record<string, string>;
}

const casesDir = path.join(import.meta.dirname, 'fixtures', 'profile-cases');
const modbusProfiles = listProfileNames([bundledProfilesDir]).filter((name) => loadProfile(path.join(bundledProfilesDir, `${name}.yaml`)).document.protocol === 'modbus');

/** The rows of `device test`'s table as { point: [value, quality] }, cut at the header's columns. */
function tableOf(output: string): Record<string, [string, string]> {
  const lines = output.split('\n');
  const header = lines.findIndex((line) => line.startsWith('POINT '));
  const columns = ['RAW', 'VALUE', 'UNIT', 'QUALITY'].map((name) => lines[header]!.indexOf(name));
  return Object.fromEntries(
    lines.slice(header + 2).filter((line) => line.trim() !== '').map((line) => [line.slice(0, columns[0]).trim(), [line.slice(columns[1], columns[2]).trim(), line.slice(columns[3]).trim()]]),
  );
}

describe('shipped Modbus profiles, read back from davy-sim', { timeout: 60_000 }, () => {
  it('every shipped Modbus profile has a case', () => {
    expect(modbusProfiles).toEqual(expect.arrayContaining(['sunspec-inverter', 'transformer-temperature-controller', 'gas-flow-computer', 'three-phase-meter']));
    expect(readdirSync(casesDir).map((file) => file.replace(/\.yaml$/, '')).sort()).toEqual([...modbusProfiles].sort());
  });

  for (const profile of modbusProfiles) {
    it.concurrent(profile, async (context) => {
      const testCase = parse(readFileSync(path.join(casesDir, `${profile}.yaml`), 'utf8')) as ProfileCase;
      const pins = Object.entries(testCase.values).flatMap(([point, value]) => ['--set', `${point}.kind=constant`, '--set', `${point}.value=${value}`]);
      const rtu = testCase.line === 'rtu-over-tcp';
      const sim = ManagedProcess.davy('simulators', ['modbus', ...(rtu ? ['--rtu-over-tcp', '--unit', `3=${profile}`] : ['--profile', profile]), '--port', '0', ...pins]);
      const { dir, remove } = tempDir();
      context.onTestFinished(async () => {
        await sim.stop();
        remove();
      });
      const { port } = await sim.waitForEvent('modbus.listening', startupMs);
      const device = rtu ? `protocol: modbus-rtu-over-tcp, unitId: 3` : 'protocol: modbus-tcp';
      writeFileSync(
        path.join(dir, 'agent.yaml'),
        [
          'gateway: { id: gw-profiles, enterprise: 91350100M000100Y43, site: Profile test }',
          'hub: { address: 127.0.0.1:9 }',
          'devices:',
          `  - { name: dev, ${device}, profile: ${profile}, host: 127.0.0.1, port: ${port} }`,
          '',
        ].join('\n'),
      );
      const { code, output } = await runDavy('edge-agent', ['device', 'test', 'dev', '--config', path.join(dir, 'agent.yaml')]);
      const table = tableOf(output);
      expect(Object.fromEntries(Object.entries(table).map(([point, [value]]) => [point, value]))).toEqual(testCase.expected);
      expect(Object.values(table).every(([, quality]) => quality === 'good')).toBe(true);
      expect(code).toBe(0);
    });
  }
});
