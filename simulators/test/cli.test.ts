import { describe, expect, it } from 'vitest';
import { bundledProfilesDir, listProfileNames } from '@davy/edge-agent/profiles';
import { ManagedProcess, runDavy } from '@davy/runtime/testing';

describe('davy-sim CLI', () => {
  it('exits 2 for an unknown profile and lists the bundled ones', async () => {
    const { code, output } = await runDavy('simulators', ['modbus', '--profile', 'no-such-meter']);
    expect(code).toBe(2);
    expect(output).toBe(
      'davy-sim: no-such-meter: neither a device profile file nor the name of a bundled profile\n' +
        `  fix: give the path to a profile .yaml file, or one of the bundled profiles: ${listProfileNames([bundledProfilesDir]).join(', ')}`,
    );
    expect(listProfileNames([bundledProfilesDir])).toEqual(expect.arrayContaining(['belt-scale', 'coal-mine-sensor-station', 'three-phase-meter']));
  });

  it('exits 2 when --set names an unknown point, naming it', async () => {
    const { code, output } = await runDavy('simulators', ['modbus', '--profile', 'coal-mine-sensor-station', '--set', 'ch4_workin_face.peak=2']);
    expect(code).toBe(2);
    expect(output).toMatch(
      /^davy-sim: \/\S+\/coal-mine-sensor-station\.yaml:\d+:\d+: points: --set ch4_workin_face\.peak=2 names no point of this profile\n {2}fix: use one of: ch4_working_face, ch4_return_airway, /,
    );
  });

  it('exits 2 when --set is not POINT.PARAM=VALUE', async () => {
    const { code, output } = await runDavy('simulators', ['modbus', '--profile', 'belt-scale', '--set', 'peak']);
    expect(code).toBe(2);
    expect(output).toContain(`error: option '--set <POINT.PARAM=VALUE>' argument 'peak' is invalid. "peak" is not POINT.PARAM=VALUE`);
  });

  it('prints help for every command, listing the simulate kinds', async () => {
    const top = await runDavy('simulators', ['--help']);
    expect([top.code, top.output.includes('modbus [options]')]).toEqual([0, true]);
    const modbus = await runDavy('simulators', ['modbus', '--help']);
    expect(modbus.code).toBe(0);
    expect(modbus.output).toContain('  spike (base, peak, everyS, durationS, noise): base level with a spike to peak every everyS seconds, lasting durationS, plus noise');
  });

  it('logs where it listens, and stops cleanly on SIGTERM', async () => {
    const sim = ManagedProcess.davy('simulators', ['modbus', '--profile', 'three-phase-meter', '--port', '0']);
    const listening = await sim.waitForEvent('modbus.listening');
    expect(listening).toMatchObject({ host: '127.0.0.1', profile: 'three-phase-meter', points: 15, component: 'davy-sim' });
    expect(listening.port).toBeGreaterThan(0);
    sim.kill('SIGTERM');
    expect(await sim.exited).toEqual({ code: 0, signal: null });
    expect(sim.events().map((event) => event.event)).toEqual(['modbus.listening', 'modbus.stopping', 'modbus.stopped']);
  });

  it('exits 2 for a bad option value', async () => {
    const { code, output } = await runDavy('simulators', ['modbus', '--profile', 'belt-scale', '--port', '70000']);
    expect([code, output]).toEqual([2, "error: option '--port <port>' argument '70000' is invalid. expected a whole number from 0 to 65535\n(add --help for usage)"]);
  });

  it('exits 1 when the port is taken', async () => {
    const first = ManagedProcess.davy('simulators', ['modbus', '--profile', 'belt-scale', '--port', '0']);
    const { port } = await first.waitForEvent('modbus.listening');
    const { code, output } = await runDavy('simulators', ['modbus', '--profile', 'belt-scale', '--port', String(port)]);
    await first.stop();
    expect([code, output]).toEqual([1, `davy-sim: listen EADDRINUSE: address already in use 127.0.0.1:${port}`]);
  });
});
