import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { tempDir } from '@davy/runtime/testing';
import { encodeValue } from '@davy/edge-agent/modbus';
import { frame, ModbusWireClient } from '../../test/modbus-wire-client.js';
import { parseOverride } from '../behaviours/index.js';
import { startModbusSimulator, type ModbusSimulator, type ModbusSimulatorOptions } from './simulator.js';

const quiet = createLogger({ component: 'davy-sim', sink: { write: () => true } });
const running: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const item of running.splice(0)) await item.close();
});

async function start(options: Omit<ModbusSimulatorOptions, 'overrides' | 'logger'> & { set?: string[] }): Promise<{ sim: ModbusSimulator; client: ModbusWireClient }> {
  const sim = await startModbusSimulator({ ...options, overrides: (options.set ?? []).map(parseOverride), logger: quiet });
  running.push(sim);
  const client = await ModbusWireClient.connect(sim.port);
  running.push(client);
  return { sim, client };
}

describe('simulated Modbus device', () => {
  it('serves methane 0.32 % at scale 0.01 as register 32', async () => {
    const { sim, client } = await start({ profile: 'coal-mine-sensor-station', set: ['ch4_working_face.kind=constant', 'ch4_working_face.value=0.32'] });
    expect(await client.exchange(frame(1, 1, [0x03, 0, 0, 0, 1]))).toEqual(frame(1, 1, [0x03, 2, 0, 32]));
    expect(sim.valueOf('ch4_working_face')).toBe(0.32);
    expect(sim.valueOf('no_such_point')).toBeUndefined();
  });

  it('serves float32 input registers as the agent\'s codec encodes them', async () => {
    const { client } = await start({ profile: 'three-phase-meter', set: ['voltage_l1.kind=constant', 'voltage_l1.value=230.4'] });
    const expected = encodeValue(230.4, { type: 'float32', order: 'ABCD' });
    expect(await client.exchange(frame(2, 1, [0x04, 0, 0, 0, 2]))).toEqual(frame(2, 1, [0x04, 4, ...expected]));
  });

  it('serves discrete inputs from constant points', async () => {
    const { client } = await start({ profile: 'coal-mine-sensor-station', set: ['face_power_on.value=0'] });
    expect(await client.exchange(frame(3, 1, [0x02, 0, 0, 0, 2]))).toEqual(frame(3, 1, [0x02, 1, 0b01]));
  });

  it('counts reads on a reads point: 1, 2, 3, in engineering units (uint32 CDAB, scale 0.01)', async () => {
    const { sim, client } = await start({ profile: 'belt-scale', set: ['coal_output_total.kind=reads'] });
    const readTotal = (id: number) => client.exchange(frame(id, 1, [0x03, 0, 0, 0, 2]));
    // Count 1 is raw 100, low word first.
    expect(await readTotal(1)).toEqual(frame(1, 1, [0x03, 4, 0, 100, 0, 0]));
    expect(await readTotal(2)).toEqual(frame(2, 1, [0x03, 4, 0, 200, 0, 0]));
    expect(await readTotal(3)).toEqual(frame(3, 1, [0x03, 4, 0x01, 0x2c, 0, 0]));
    // A read that does not cover it leaves it alone; one that covers part of it counts.
    await client.exchange(frame(4, 1, [0x03, 0, 2, 0, 3]));
    expect(await client.exchange(frame(5, 1, [0x03, 0, 1, 0, 1]))).toEqual(frame(5, 1, [0x03, 2, 0, 0]));
    expect(sim.valueOf('coal_output_total')).toBe(4);
  });

  it('holds a point a client wrote at the written value', async () => {
    const { sim, client } = await start({ profile: 'coal-mine-sensor-station', tickMs: 10 });
    expect(await client.exchange(frame(6, 1, [0x06, 0, 3, 0, 77]))).toEqual(frame(6, 1, [0x06, 0, 3, 0, 77]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await client.exchange(frame(7, 1, [0x03, 0, 3, 0, 1]))).toEqual(frame(7, 1, [0x03, 2, 0, 77]));
    expect(sim.valueOf('co_working_face')).toBe(77);
  });

  it('moves clock-driven values on every tick', async () => {
    const { sim } = await start({ profile: 'belt-scale', tickMs: 10, set: ['coal_output_total.ratePerS=1000'] });
    const first = sim.valueOf('coal_output_total');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.valueOf('coal_output_total')).toBeGreaterThan(first as number);
  });

  it('serves each table up to its last point, or minTableSize', async () => {
    const { client } = await start({ profile: 'coal-mine-sensor-station' });
    expect(await client.exchange(frame(8, 1, [0x03, 0, 7, 0, 2]))).toEqual(frame(8, 1, [0x83, 0x02]));
    expect(await client.exchange(frame(9, 1, [0x04, 0, 0, 0, 1]))).toEqual(frame(9, 1, [0x84, 0x02]));
    const wide = await start({ profile: 'coal-mine-sensor-station', minTableSize: 125 });
    expect((await wide.client.exchange(frame(10, 1, [0x04, 0, 0, 0, 125])))?.length).toBe(259);
  });

  it('answers only its unit id when given one', async () => {
    const { client } = await start({ profile: 'belt-scale', unitId: 7 });
    client.send(frame(11, 1, [0x01, 0, 0, 0, 1]));
    expect(await client.exchange(frame(12, 7, [0x01, 0, 0, 0, 1]))).toEqual(frame(12, 7, [0x01, 1, 1]));
  });
});

describe('simulator configuration errors', () => {
  it('names the profile file, line, point and fix of every bad simulate block', async () => {
    const { dir, remove } = tempDir();
    const file = path.join(dir, 'meter.yaml');
    writeFileSync(
      file,
      [
        'protocol: modbus',
        'model: test meter',
        'points:',
        '  - { name: flow, table: holding, address: 0, type: uint16, metric: coal_flow_rate, unit: t/h, simulate: { kind: wave, mean: 5, periodS: 0 } }',
        '  - { name: total, table: holding, address: 1, type: uint32, metric: coal_output, unit: t, simulate: { kind: counter, rate: 1 } }',
        '  - { name: speed, table: holding, address: 3, type: uint16, metric: belt_speed, unit: m/s }',
        '',
      ].join('\n'),
    );
    await expect(startModbusSimulator({ profile: file, logger: quiet, overrides: ['speed.kind=spike', 'nope.value=1'].map(parseOverride) })).rejects.toMatchObject({
      name: 'ConfigError',
      message: [
        `${file}:4:3: points: --set nope.value=1 names no point of this profile`,
        '  fix: use one of: flow, total, speed',
        `${file}:4:138: points[0].simulate.periodS: flow: 0 is out of range: must be greater than 0`,
        '  fix: change periodS (seconds of one full swing)',
        `${file}:5:125: points[1].simulate.rate: total: unknown parameter "rate" for kind counter`,
        '  fix: remove it or correct its spelling; counter takes: start, ratePerS, jitter',
        `${file}:5:102: points[1].simulate.ratePerS: total: counter needs ratePerS (growth per second)`,
        '  fix: add ratePerS: <number>',
        `${file}:6:5: points[2].simulate.base: speed: spike needs base (the level between spikes) (from --set speed.kind=spike)`,
        '  fix: add base: <number>',
        `${file}:6:5: points[2].simulate.peak: speed: spike needs peak (the level during a spike) (from --set speed.kind=spike)`,
        '  fix: add peak: <number>',
        `${file}:6:5: points[2].simulate.everyS: speed: spike needs everyS (seconds from the start of one spike to the next) (from --set speed.kind=spike)`,
        '  fix: add everyS: <number>',
        `${file}:6:5: points[2].simulate.durationS: speed: spike needs durationS (seconds a spike lasts) (from --set speed.kind=spike)`,
        '  fix: add durationS: <number>',
      ].join('\n'),
    });
    remove();
  });

  it('names an unknown parameter given with --set', async () => {
    await expect(startModbusSimulator({ profile: 'coal-mine-sensor-station', logger: quiet, overrides: [parseOverride('ch4_working_face.peek=2')] })).rejects.toThrow(
      /coal-mine-sensor-station\.yaml:\d+:\d+: points\[0\]\.simulate\.peek: ch4_working_face: unknown parameter "peek" for kind spike \(from --set ch4_working_face\.peek=2\)\n {2}fix: remove it or correct its spelling; spike takes: base, peak, everyS, durationS, noise$/,
    );
  });
});
