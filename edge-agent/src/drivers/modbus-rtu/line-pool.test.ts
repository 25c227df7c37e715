import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { bundledProfilesDir, loadProfile } from '../../profiles/index.js';
import { RecordingSink } from '../../../test/support/recording-sink.js';
import { LinePool } from './line-pool.js';
import type { LineMember } from './rtu-bus.js';
import { RtuBus } from './rtu-bus.js';
import { modbusRtuDeviceSchema, modbusRtuOverTcpDeviceSchema } from './rtu-config.js';
import { resolveModbusRtuDevice, resolveModbusRtuOverTcpDevice } from './rtu-device.js';
import { ModbusRtuDriver } from './rtu-driver.js';

const log = createLogger({ component: 'test', sink: { write: () => true } });
const profile = loadProfile(path.join(bundledProfilesDir, 'belt-scale.yaml'));
// Port 9 (discard) on loopback: nothing answers, so the lines never connect during these checks.
const overTcp = (name: string, unitId: number, extra: Record<string, unknown> = {}) =>
  resolveModbusRtuOverTcpDevice(modbusRtuOverTcpDeviceSchema.parse({ name, protocol: 'modbus-rtu-over-tcp', profile: 'belt-scale', host: '127.0.0.1', port: 9, unitId, ...extra }), profile);
const serial = (name: string, unitId: number, extra: Record<string, unknown> = {}) =>
  resolveModbusRtuDevice(modbusRtuDeviceSchema.parse({ name, protocol: 'modbus-rtu', profile: 'belt-scale', port: '/tmp/davy-test-no-such-tty', unitId, ...extra }), profile);
const member = (device: string, unitId: number): LineMember => ({ device, unitId, isOnline: false, connectFailed: () => undefined });

describe('lines shared by devices', () => {
  it('gives devices on one host:port one line, and refuses a unit id already polled there', () => {
    const pool = new LinePool();
    const first = pool.join(overTcp('meter-1', 1), member('meter-1', 1), log);
    const second = pool.join(overTcp('meter-2', 2), member('meter-2', 2), log);
    expect(first).toBeInstanceOf(RtuBus);
    expect(second).toBe(first);
    expect(pool.join(overTcp('meter-3', 1), member('meter-3', 1), log)).toEqual({
      message: 'unit 1 on 127.0.0.1:9 is already polled as device meter-1',
      fix: 'give each device on one line its own unitId (the slave address set on the device), or remove one of the two entries',
    });
    pool.leave(first as RtuBus, member('meter-1', 1));
    pool.leave(first as RtuBus, member('meter-2', 2));
  });

  it('refuses other serial settings, or another gap, for a port in use', () => {
    const pool = new LinePool();
    const bus = pool.join(serial('ttc-1', 1), member('ttc-1', 1), log) as RtuBus;
    expect(pool.join(serial('ttc-2', 2, { baudRate: 19200, parity: 'even' }), member('ttc-2', 2), log)).toEqual({
      message: '/tmp/davy-test-no-such-tty is already in use with other line settings (9600 8N1, gap 3.65 ms) than this device\'s (19200 8E1, gap 2.01 ms)',
      fix: 'give every device on one port the same baudRate, parity, dataBits, stopBits and interFrameGap',
    });
    expect(pool.join(serial('ttc-3', 3, { interFrameGap: '10ms' }), member('ttc-3', 3), log)).toMatchObject({
      message: '/tmp/davy-test-no-such-tty is already in use with other line settings (9600 8N1, gap 3.65 ms) than this device\'s (9600 8N1, gap 10 ms)',
    });
    expect(pool.join(serial('ttc-4', 4), member('ttc-4', 4), log)).toBe(bus);
    pool.leave(bus, member('ttc-1', 1));
    pool.leave(bus, member('ttc-4', 4));
  });

  it('keeps a refused device offline, saying why, and never polls it', async () => {
    const pool = new LinePool();
    const sink = new RecordingSink();
    const first = new ModbusRtuDriver(overTcp('meter-1', 5), log, pool);
    const refused = new ModbusRtuDriver(overTcp('meter-2', 5), log, pool);
    first.start(sink);
    refused.start(sink);
    await first.stop();
    await refused.stop();
    const refusal = sink.events.filter((event) => event.body.device === 'meter-2');
    expect(refusal.map((event) => [event.type, event.body.reason])).toEqual([
      [
        'device.offline',
        'unit 5 on 127.0.0.1:9 is already polled as device meter-1; fix: give each device on one line its own unitId (the slave address set on the device), or remove one of the two entries',
      ],
    ]);
    expect(refused.health()).toMatchObject({ state: 'stopped', reads: 0 });
  });

  it('computes the gap from the line speed: 3.5 characters, or 1.75 ms above 19200 baud', () => {
    expect(serial('a', 1).interFrameGapMs).toBeCloseTo((3.5 * 10 * 1000) / 9600, 10);
    expect(serial('b', 1, { parity: 'even' }).interFrameGapMs).toBeCloseTo((3.5 * 11 * 1000) / 9600, 10);
    expect(serial('c', 1, { baudRate: 38400 }).interFrameGapMs).toBe(1.75);
    expect(overTcp('d', 1).interFrameGapMs).toBe(4);
    expect(overTcp('e', 1, { interFrameGap: '20ms' }).interFrameGapMs).toBe(20);
  });
});
