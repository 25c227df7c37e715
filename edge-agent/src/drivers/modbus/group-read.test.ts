/**
 * One poll of a group, with the transport replaced by fixed replies: "not implemented" patterns,
 * the device's map checked by what the poll read itself, and which exception replies say the
 * device is there.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { DeviceStatus } from './device-status.js';
import { readGroup } from './group-read.js';
import { ModbusReadError, readFailure, type ReadRange } from './modbus-connection.js';
import { resolveModbusPolling } from './modbus-points.js';
import { planPollGroups } from './poll-groups.js';
import { modbusProfileSchema } from './profile-schema.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const quiet = createLogger({ component: 'test', sink: { write: () => true } });

/** An inverter-like map: a model id that identifies it, a SunSpec value with its factor, a plain state, flags (and a flag of them) with a pattern of their own. */
const document = modbusProfileSchema.parse({
  protocol: 'modbus',
  model: 'test inverter',
  points: [
    { name: 'model_id', table: 'holding', address: 20, type: 'uint16', metric: 'device_info', unit: '', pollInterval: '1h' },
    { name: 'temperature', table: 'holding', address: 2, type: 'int16', scaleFactor: 'temperature_sf', metric: 'temperature', unit: '°C' },
    { name: 'temperature_sf', table: 'holding', address: 3, type: 'int16', metric: 'scale_factor', unit: '' },
    { name: 'state', table: 'holding', address: 4, type: 'uint16', metric: 'device_state', unit: '' },
    { name: 'flags', table: 'holding', address: 5, type: 'uint16', notImplemented: 0xffff, metric: 'alarm_flags', unit: '' },
    { name: 'ground_fault', table: 'holding', address: 5, type: 'bool', bit: 0, notImplemented: 0xffff, metric: 'alarm_state', unit: '' },
  ],
  expect: [{ point: 'model_id', equals: 103 }],
});
const device = resolveModbusPolling({ maxGap: 10, maxRegistersPerRead: 125, maxBitsPerRead: 2000 }, { name: 'test-inverter', file: 'test-inverter.yaml', document });
const points = new Map(device.points.map((point) => [point.name, point]));
const [fastGroup, identityGroup] = planPollGroups(device);

/** One poll of the 1 s group, each read answered by `reply`. */
async function poll(reply: (range: ReadRange) => Promise<Buffer>) {
  const status = new DeviceStatus('inverter-1', {}, quiet);
  const outcome = await readGroup(fastGroup!, reply, status, points, { withRaw: false, stopAfterTimeout: false });
  return { ...outcome, readings: outcome.readings.map(({ point, value, quality, error }) => ({ point, value, quality, error })) };
}

describe('one poll of a group', () => {
  it('reads the identity points along with every group, and reports only the group\'s own', () => {
    expect(fastGroup!.reads.map((read) => `${read.table} ${read.start}-${read.start + read.count - 1}`)).toEqual(['holding 2-5', 'holding 20-20']);
    expect([...fastGroup!.reported]).toEqual(['temperature', 'temperature_sf', 'state', 'flags', 'ground_fault']);
    expect([...identityGroup!.reported]).toEqual(['model_id']);
  });

  it('gives SunSpec points their type\'s "not implemented" pattern, and others only the one they name', async () => {
    expect(device.points.map((point) => [point.name, point.notImplemented])).toEqual([
      ['model_id', undefined],
      ['temperature', 0x8000],
      ['temperature_sf', 0x8000],
      ['state', undefined],
      ['flags', 0xffff],
      ['ground_fault', 0xffff],
    ]);
    const { readings } = await poll(async (range) => hex(range.start === 20 ? '0067' : '8000 ffff ffff ffff'));
    expect(readings).toEqual([
      { point: 'temperature', value: null, quality: 'bad', error: 'not implemented by the device (0x8000)' },
      { point: 'temperature_sf', value: -1, quality: 'good', error: undefined },
      { point: 'state', value: 65535, quality: 'good', error: undefined },
      { point: 'flags', value: null, quality: 'bad', error: 'not implemented by the device (0xFFFF)' },
      { point: 'ground_fault', value: null, quality: 'bad', error: 'not implemented by the device (0xFFFF)' },
    ]);
  });

  it('makes every reading of a poll bad when the map is not the profile\'s, or cannot be checked', async () => {
    const good = await poll(async (range) => hex(range.start === 20 ? '0067' : '01de ffff 0004 0001'));
    expect(good.readings.map((reading) => [reading.point, reading.value, reading.quality])).toEqual([
      ['temperature', 47.8, 'good'],
      ['temperature_sf', -1, 'good'],
      ['state', 4, 'good'],
      ['flags', 1, 'good'],
      ['ground_fault', true, 'good'],
    ]);
    // The registers one address further on (an older map one register longer before them): the
    // factor reads as 478, the model id as the 50 behind it. The map's reason explains them all.
    const shifted = await poll(async (range) => hex(range.start === 20 ? '0032' : '0000 01de ffff 0004'));
    const reason = 'the device\'s register map is not the profile\'s: model_id is 50, the profile expects 103';
    expect(shifted.readings).toEqual(['temperature', 'temperature_sf', 'state', 'flags', 'ground_fault'].map((point) => ({ point, value: null, quality: 'bad', error: reason })));
    // The device answered: it is there, only not what the profile maps.
    expect(shifted.answered).toBe(true);
    const unchecked = await poll(async (range) => (range.start === 20 ? Promise.reject(readFailure.timeout(range)) : hex('01de ffff 0004 0000')));
    const why = 'cannot check the device\'s register map: model_id was not read (no reply reading holding 20-20)';
    expect(unchecked.readings).toEqual(['temperature', 'temperature_sf', 'state', 'flags', 'ground_fault'].map((point) => ({ point, value: null, quality: 'bad', error: why })));
  });

  it('counts an exception reply as the device answering, except a gateway\'s for a device that did not', async () => {
    const busy = await poll(async (range) => Promise.reject(readFailure.exception(6, range)));
    expect(busy.answered).toBe(true);
    for (const code of [10, 11]) {
      const behindGateway = await poll(async (range) => Promise.reject(readFailure.exception(code, range)));
      expect(behindGateway).toMatchObject({ answered: false, failure: `exception ${code} (${code === 10 ? 'gateway path unavailable' : 'gateway target device failed to respond'}) reading holding 2-5` });
      expect(behindGateway.readings.every((reading) => reading.quality === 'bad')).toBe(true);
    }
    const lost = await poll(async () => Promise.reject(new ModbusReadError('connection', 'the connection to 10.0.0.7:502 closed')));
    expect(lost.answered).toBe(false);
  });
});
