/**
 * A real peer this project did not write: mbpoll (Debian package) reads from `davy-sim modbus`
 * run as a process. Values are pinned with --set so what mbpoll prints can be asserted exactly.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedProcess } from '@davy/runtime/testing';

interface Poll {
  code: number;
  /** What mbpoll printed for each reference, e.g. { 1: '230.5' }. */
  values: Record<number, string>;
  output: string;
}

/** Runs mbpoll once against the simulator; `writeValues` (after the host, as mbpoll wants them) make it write. */
function mbpoll(port: number, args: string[], writeValues: string[] = []): Promise<Poll> {
  return new Promise((resolve) => {
    execFile('mbpoll', ['-m', 'tcp', '-a', '1', '-1', '-p', String(port), ...args, '127.0.0.1', ...writeValues], { timeout: 10_000 }, (error, stdout, stderr) => {
      const values = Object.fromEntries([...stdout.matchAll(/^\[(\d+)\]:\s+(\S+)$/gm)].map((match) => [Number(match[1]), match[2]!]));
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, values, output: stdout + stderr });
    });
  });
}

async function simulator(profile: string, set: string[]): Promise<{ process: ManagedProcess; port: number }> {
  const process = ManagedProcess.davy('simulators', ['modbus', '--profile', profile, '--port', '0', ...set.flatMap((s) => ['--set', s])], { name: profile });
  const listening = await process.waitForEvent('modbus.listening');
  return { process, port: listening.port as number };
}

describe('mbpoll reads davy-sim modbus', () => {
  let meter: { process: ManagedProcess; port: number };
  let station: { process: ManagedProcess; port: number };
  let scale: { process: ManagedProcess; port: number };

  beforeAll(async () => {
    [meter, station, scale] = await Promise.all([
      simulator('three-phase-meter', [
        'voltage_l1.kind=constant', 'voltage_l1.value=230.5',
        'voltage_l2.kind=constant', 'voltage_l2.value=229.75',
        'voltage_l3.kind=constant', 'voltage_l3.value=231.125',
        'active_energy_import.kind=reads',
      ]),
      simulator('coal-mine-sensor-station', [
        'ch4_working_face.kind=constant', 'ch4_working_face.value=0.32',
        'ch4_return_airway.kind=constant', 'ch4_return_airway.value=0.41',
        'face_power_on.value=0',
      ]),
      simulator('belt-scale', ['coal_output_total.kind=constant', 'coal_output_total.value=1523042.5']),
    ]);
  });
  afterAll(async () => {
    await Promise.all([meter, station, scale].map((sim) => sim?.process.stop()));
  });

  it('reads float32 input registers, big-endian word order (-B)', async () => {
    const poll = await mbpoll(meter.port, ['-t', '3:float', '-B', '-r', '1', '-c', '3']);
    expect(poll.code).toBe(0);
    expect(poll.values).toEqual({ 1: '230.5', 3: '229.75', 5: '231.125' });
  });

  it('reads holding registers scaled by 0.01: methane 0.32 % and 0.41 % are 32 and 41', async () => {
    const poll = await mbpoll(station.port, ['-t', '4', '-r', '1', '-c', '2']);
    expect(poll.values).toEqual({ 1: '32', 2: '41' });
  });

  it('reads discrete inputs', async () => {
    const poll = await mbpoll(station.port, ['-t', '1', '-r', '1', '-c', '2']);
    expect(poll.values).toEqual({ 1: '1', 2: '0' });
  });

  it('reads a word-swapped (CDAB) uint32, mbpoll\'s default 32-bit word order', async () => {
    const poll = await mbpoll(scale.port, ['-t', '4:int', '-r', '1', '-c', '1']);
    expect(poll.values).toEqual({ 1: '152304250' });
  });

  it('sees a reads point count its reads: 1, 2, 3', async () => {
    const counts = [];
    for (let i = 0; i < 3; i += 1) counts.push((await mbpoll(meter.port, ['-t', '3:float', '-B', '-r', '73', '-c', '1'])).values);
    expect(counts).toEqual([{ 73: '1' }, { 73: '2' }, { 73: '3' }]);
  });

  it('gets illegal data address past the served registers', async () => {
    const poll = await mbpoll(station.port, ['-t', '4', '-r', '9', '-c', '1']);
    expect(poll.code).not.toBe(0);
    expect(poll.output).toContain('Read output (holding) register failed: Illegal data address');
  });

  it('writes a holding register, which then holds the written value', async () => {
    const write = await mbpoll(station.port, ['-t', '4', '-r', '4'], ['77']);
    expect([write.code, write.output.includes('Written 1 references.')]).toEqual([0, true]);
    expect((await mbpoll(station.port, ['-t', '4', '-r', '4', '-c', '1'])).values).toEqual({ 4: '77' });
  });
});
