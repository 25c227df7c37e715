/**
 * davy-sim opcua: its faults as written on the command line, and its address space as a client
 * sees it — `davy-agent device discover` finds both bundled profiles' variables with their data
 * types and units (EUInformation of AnalogItems and of plain variables); on a free port of its
 * choosing, to which it comes back after a restart.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManagedProcess, runDavy, tempDir } from '@davy/runtime/testing';
import { loadProfile } from '@davy/edge-agent/profiles';
import { parseFault } from '../src/opcua/faults.js';

describe('davy-sim opcua', () => {
  it('parses faults and rejects what is not one', () => {
    expect(parseFault('bad:fan_speed@5s+3s')).toEqual({ kind: 'bad', point: 'fan_speed', atMs: 5000, forMs: 3000, text: 'bad:fan_speed@5s+3s' });
    expect(parseFault('uncertain:mine-hoist/motor_current@1m')).toMatchObject({ kind: 'uncertain', point: 'mine-hoist/motor_current', atMs: 60_000, forMs: undefined });
    expect(parseFault('restart@10s+2s')).toMatchObject({ kind: 'restart', atMs: 10_000, forMs: 2000 });
    for (const text of ['silent@5s', 'bad@5s', 'restart:x@1s+1s', 'explode@1s', 'bad:x@soon']) {
      expect(() => parseFault(text)).toThrow(`"${text}" is not a fault; write bad:POINT@AT[+FOR]`);
    }
  });

  it('serves both mine profiles so that device discover finds every point with its type and unit', async (context) => {
    const sim = ManagedProcess.davy('simulators', ['opcua', '--profile', 'mine-ventilation-fan', '--profile', 'mine-hoist', '--port', '0']);
    context.onTestFinished(() => sim.stop());
    const { endpoint } = await sim.waitForEvent('opcua.listening', 30_000);
    const { dir, remove } = tempDir('davy-sim-discover-');
    context.onTestFinished(remove);
    const out = path.join(dir, 'found.yaml');
    // A file from an earlier run: --force overwrites it.
    writeFileSync(out, '# an earlier discover\n');
    const { code, output } = await runDavy('edge-agent', ['device', 'discover', String(endpoint), '--pki', path.join(dir, 'pki'), '--out', out, '--force']);
    expect(code, output).toBe(0);
    const points = loadProfile(out).document.points as Array<{ name: string; nodeId: string; dataType: string; unit: string }>;
    expect(points).toHaveLength(26);
    const byNode = new Map(points.map((point) => [point.nodeId, point]));
    expect(byNode.get('nsu=urn:davy-sim:mine-ventilation-fan;s=MainFan.Speed')).toMatchObject({ name: 'main_fan_speed', dataType: 'Float', unit: 'rpm' });
    expect(byNode.get('nsu=urn:davy-sim:mine-ventilation-fan;s=MainFan.Motor.Voltage')).toMatchObject({ name: 'main_fan_motor_voltage', dataType: 'Float', unit: 'kV' });
    expect(byNode.get('nsu=urn:davy-sim:mine-hoist;s=Hoist.SkipCount')).toMatchObject({ dataType: 'UInt32', unit: '' });
    expect(byNode.get('nsu=urn:davy-sim:mine-hoist;s=Hoist.Drive.WindingTemperature')).toMatchObject({ dataType: 'Int16', unit: '°C' });
  });

  it('comes back on the port it picked after a restart', async (context) => {
    const sim = ManagedProcess.davy('simulators', ['opcua', '--profile', 'mine-ventilation-fan', '--port', '0', '--fault', 'restart@1s+200ms']);
    context.onTestFinished(() => sim.stop());
    const listening = await sim.waitForEvent('opcua.listening', 30_000);
    const restarted = await sim.waitForEvent('opcua.restarted', 30_000);
    expect(listening.port).toBeGreaterThan(0);
    expect({ port: restarted.port, endpoint: restarted.endpoint }).toEqual({ port: listening.port, endpoint: `opc.tcp://127.0.0.1:${String(listening.port)}` });
  });
});
