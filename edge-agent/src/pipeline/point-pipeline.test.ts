import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { tempDir } from '@davy/runtime/testing';
import type { DeviceSpec } from '../config/device-spec.js';
import { Outbox } from '../outbox/outbox.js';
import { PointPipeline } from './point-pipeline.js';

const log = createLogger({ component: 'test', sink: { write: () => true } });
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const device: DeviceSpec = {
  name: 'meter-1',
  protocol: 'modbus-tcp',
  profile: 'test',
  points: [
    { name: 'power', metric: 'active_power', unit: 'kW', scale: 0.001, offset: 0, intervalMs: 1000 },
    { name: 'temperature', metric: 'temperature', unit: '°C', scale: 0.1, offset: -40, intervalMs: 1000 },
    { name: 'running', metric: 'device_state', unit: '', scale: 1, offset: 0, intervalMs: 1000 },
    { name: 'serial', metric: 'device_info', unit: '', scale: 1, offset: 0, intervalMs: 1000 },
  ],
};

function setup(maxPending?: number) {
  const { dir, remove } = tempDir();
  const file = path.join(dir, 'outbox.db');
  const outbox = Outbox.open(file, { maxBytes: 1024 ** 3, sync: 'normal', log });
  cleanups.push(() => (outbox.close(), remove()));
  return { outbox, file, pipeline: new PointPipeline('gw-1', [device], outbox, log, maxPending) };
}

/** Makes every append into the outbox fail, as a failing disk would, until the returned function heals it. */
function breakOutbox(file: string): () => void {
  const other = new Database(file);
  other.exec("CREATE TRIGGER disk_trouble BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
  return () => {
    other.exec('DROP TRIGGER disk_trouble');
    other.close();
  };
}

const power = (timeMs: number, value: number) => ({ point: 'power', value, timeMs, quality: 'good' as const });

describe('PointPipeline', () => {
  it('defines one series per point, keyed <gateway>/<device>/<point>', () => {
    const { outbox } = setup();
    expect([1, 2, 3, 4].map((id) => outbox.seriesDefinition(id)?.key)).toEqual(['gw-1/meter-1/power', 'gw-1/meter-1/temperature', 'gw-1/meter-1/running', 'gw-1/meter-1/serial']);
    expect(outbox.seriesDefinition(2)).toEqual({ key: 'gw-1/meter-1/temperature', device: 'meter-1', point: 'temperature', metric: 'temperature', unit: '°C', intervalMs: 1000 });
  });

  it('scales values, keeps quality, and appends a turn of the event loop in one go', async () => {
    const { outbox, pipeline } = setup();
    pipeline.readings('meter-1', [
      { point: 'power', value: 27_500, timeMs: 10, quality: 'good' },
      { point: 'temperature', value: 652, timeMs: 10, quality: 'uncertain' },
      { point: 'running', value: true, timeMs: 10, quality: 'good' },
    ]);
    pipeline.event('meter-1', { type: 'device.online', timeMs: 11, body: { host: '127.0.0.1' } });
    expect(outbox.lastSequence).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(outbox.readAfter(0, 10)).toEqual([
      { seq: 1, kind: 'sample', series: 1, timeMs: 10, value: 27.5, quality: 1 },
      { seq: 2, kind: 'sample', series: 2, timeMs: 10, value: 25.200000000000003, quality: 2 },
      { seq: 3, kind: 'sample', series: 3, timeMs: 10, value: 1, quality: 1 },
      { seq: 4, kind: 'event', type: 'device.online', device: 'meter-1', timeMs: 11, bodyJson: '{"host":"127.0.0.1"}' },
    ]);
  });

  it('turns failed reads and NaN floats into bad samples, never numbers', () => {
    const { outbox, pipeline } = setup();
    pipeline.readings('meter-1', [
      { point: 'power', value: null, timeMs: 20, quality: 'bad', error: 'no reply reading input 0-1' },
      { point: 'temperature', value: Number.NaN, timeMs: 20, quality: 'good' },
    ]);
    pipeline.flush();
    const records = outbox.readAfter(0, 10);
    expect(records.map((r) => (r.kind === 'sample' ? [r.series, r.quality, Number.isNaN(r.value)] : r.kind))).toEqual([
      [1, 3, true],
      [2, 3, true],
    ]);
  });

  it('sends a text point as a point.text event, only when it changes', () => {
    const { outbox, pipeline } = setup();
    for (const value of ['SN-0042', 'SN-0042', 'SN-0043']) {
      pipeline.readings('meter-1', [{ point: 'serial', value, timeMs: 30, quality: 'good' }]);
      pipeline.flush();
    }
    expect(outbox.readAfter(0, 10).map((r) => (r.kind === 'event' ? [r.type, r.bodyJson] : r.kind))).toEqual([
      ['point.text', '{"point":"serial","value":"SN-0042"}'],
      ['point.text', '{"point":"serial","value":"SN-0043"}'],
    ]);
  });

  it('ignores readings of points it does not know', () => {
    const { outbox, pipeline } = setup();
    pipeline.readings('meter-1', [{ point: 'ghost', value: 1, timeMs: 40, quality: 'good' }]);
    pipeline.readings('other-device', [{ point: 'power', value: 1, timeMs: 40, quality: 'good' }]);
    pipeline.flush();
    expect(outbox.readAfter(0, 10)).toEqual([]);
  });

  it('keeps readings the outbox refused and appends them when it takes them again', () => {
    const { outbox, file, pipeline } = setup();
    const heal = breakOutbox(file);
    pipeline.readings('meter-1', [power(1, 1000)]);
    pipeline.flush();
    pipeline.readings('meter-1', [power(2, 2000)]);
    pipeline.flush();
    expect(pipeline.appendFailures).toBe(2);
    expect(outbox.lastSequence).toBe(0);
    heal();
    pipeline.readings('meter-1', [power(3, 3000)]);
    pipeline.flush();
    expect(outbox.readAfter(0, 10).map((r) => (r.kind === 'sample' ? [r.seq, r.timeMs, r.value] : r.kind))).toEqual([[1, 1, 1], [2, 2, 2], [3, 3, 3]]);
  });

  it('past its bound, loses the oldest and tells the hub how many with a gap record', () => {
    const { outbox, file, pipeline } = setup(2);
    const heal = breakOutbox(file);
    for (let time = 1; time <= 5; time += 1) {
      pipeline.readings('meter-1', [power(time, time * 1000)]);
      pipeline.flush();
    }
    heal();
    pipeline.readings('meter-1', [power(6, 6000)]);
    pipeline.flush();
    expect(outbox.readAfter(0, 10).map((r) => (r.kind === 'sample' ? [r.timeMs] : [r.kind, r.kind === 'gap' ? [r.dropped, r.firstTimeMs, r.lastTimeMs, r.firstDroppedSeq] : null]))).toEqual([
      ['gap', [3, 1, 3, 0]],
      [4],
      [5],
      [6],
    ]);
  });

  it('takes readings of a device discovered at run time, with the points of the device it is like', () => {
    const { outbox, pipeline } = setup();
    pipeline.readings('charger-7', [power(1, 1000)]);
    expect(pipeline.deviceDiscovered('charger-7', 'meter-1')).toBe(true);
    expect(pipeline.deviceDiscovered('charger-7', 'meter-1')).toBe(true);
    pipeline.readings('charger-7', [power(2, 2000)]);
    pipeline.flush();
    expect(outbox.seriesDefinition(5)).toEqual({ key: 'gw-1/charger-7/power', device: 'charger-7', point: 'power', metric: 'active_power', unit: 'kW', intervalMs: 1000 });
    expect(outbox.readAfter(0, 10).map((r) => (r.kind === 'sample' ? [r.series, r.timeMs, r.value] : r.kind))).toEqual([[5, 2, 2]]);
  });

  it('refuses a discovered name that is a configured device, or another entry\'s discovery', () => {
    const { pipeline } = setup();
    expect(pipeline.deviceDiscovered('meter-1', 'meter-1')).toBe(false);
    expect(pipeline.deviceDiscovered('charger-7', 'meter-1')).toBe(true);
    expect(pipeline.deviceDiscovered('charger-7', 'another-entry')).toBe(false);
  });
});
