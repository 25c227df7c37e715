import { describe, expect, it } from 'vitest';
import { sparkplugB } from '@davy/proto';
import { metricValue } from './metric-value.js';
import type { SparkplugDevice } from './sparkplug-device.js';
import { SparkplugSession, type SessionOutput } from './sparkplug-session.js';
import { isNodeCommandFilter, parseSparkplugTopic, type SparkplugTopic } from './sparkplug-topic.js';

const { DataType, Payload } = sparkplugB;

const spec = { name: 'station', edgeNode: 'n1', groupId: 'g', devices: '*', metrics: new Map([['Power', 'power']]) } as SparkplugDevice;

function session(options: { devices?: SparkplugDevice['devices']; refuse?: string[] } = {}): { session: SparkplugSession; log: string[] } {
  const log: string[] = [];
  const out: SessionOutput = {
    admit: (device) => !(options.refuse ?? []).includes(device),
    readings: (device, readings) => log.push(`${device} ${readings.map((r) => `${r.point}=${r.value}@${r.timeMs}${r.error ? ` (${r.error})` : ''}`).join(' ')}`),
    online: (device) => log.push(`online ${device}`),
    offline: (device, reason) => log.push(`offline ${device}: ${reason}`),
    problem: (kind, message) => log.push(`${kind}: ${message}`),
    rebirth: (reason) => log.push(`rebirth: ${reason}`),
    birthsArrived: (skipped) => log.push(`births arrived, ${skipped} skipped before`),
  };
  return { session: new SparkplugSession({ ...spec, devices: options.devices ?? spec.devices }, out), log };
}

const topic = (text: string) => parseSparkplugTopic(text) as SparkplugTopic;
const bdSeq = (value: string) => ({ name: 'bdSeq', datatype: DataType.UInt64, longValue: value });
const message = (fields: Partial<sparkplugB.Payload>) => Payload.decode(Payload.encode(Payload.fromPartial(fields)).finish());
const births = (s: SparkplugSession, device = 'c1') => {
  s.handle(topic('spBv1.0/g/NBIRTH/n1'), message({ timestamp: 100, seq: 0, metrics: [bdSeq('1')] }), 1);
  s.handle(topic(`spBv1.0/g/DBIRTH/n1/${device}`), message({ timestamp: 200, seq: 1, metrics: [{ name: 'Power', alias: 7, datatype: DataType.Float, floatValue: 7.5 }] }), 1);
};

describe('Sparkplug session', () => {
  it('births, data by alias, a seq gap, an unknown alias, a stale will and a real death', () => {
    const { session: s, log } = session();
    s.handle(topic('spBv1.0/g/DDATA/n1/c1'), message({ seq: 5, metrics: [{ alias: 7, doubleValue: 1 }] }), 1);
    s.handle(topic('spBv1.0/g/NBIRTH/n1'), message({ timestamp: 100, seq: 0, metrics: [bdSeq('3')] }), 1);
    s.handle(topic('spBv1.0/g/DBIRTH/n1/c1'), message({ timestamp: 200, seq: 1, metrics: [{ name: 'Power', alias: 7, datatype: DataType.Float, floatValue: 7.5 }] }), 1);
    s.handle(topic('spBv1.0/g/DDATA/n1/c1'), message({ timestamp: 300, seq: 2, metrics: [{ alias: 7, floatValue: 8.5, timestamp: 299 }] }), 1);
    s.handle(topic('spBv1.0/g/DDATA/n1/c1'), message({ timestamp: 400, seq: 4, metrics: [{ alias: 9, floatValue: 1 }] }), 1);
    s.handle(topic('spBv1.0/g/NDEATH/n1'), message({ metrics: [bdSeq('2')] }), 1);
    s.handle(topic('spBv1.0/g/NDEATH/n1'), message({ metrics: [bdSeq('3')] }), 1);
    expect(log).toEqual([
      'no-birth: DDATA of n1/c1 came before the node\'s NBIRTH',
      'rebirth: DDATA of n1/c1 before NBIRTH',
      'online c1',
      'c1 power=7.5@200',
      'online c1',
      'c1 power=8.5@299',
      'sequence: DDATA of n1/c1 has seq 4, expected 3: messages were lost or reordered',
      'rebirth: DDATA of n1/c1: seq 4, expected 3',
      'unknown-alias: DDATA of n1/c1: alias 9 is in no birth certificate',
      'rebirth: DDATA of n1/c1: 1 unknown alias',
      'online c1',
      'offline c1: NDEATH of n1',
    ]);
  });

  it('skips data before the births it asked for, quietly, and counts it once they are overdue', () => {
    const { session: s, log } = session();
    s.rebirthRequested(1_000);
    // Joining a running node: its data comes before the births the host asked for.
    s.handle(topic('spBv1.0/g/DDATA/n1/c1'), message({ seq: 17, metrics: [{ alias: 7, floatValue: 1 }] }), 1_100);
    s.handle(topic('spBv1.0/g/DDATA/n1/c1'), message({ seq: 18, metrics: [{ alias: 7, floatValue: 1 }] }), 5_999);
    expect(log).toEqual([]);
    s.handle(topic('spBv1.0/g/DDATA/n1/c1'), message({ seq: 19, metrics: [{ alias: 7, floatValue: 1 }] }), 6_000);
    expect(log).toEqual(['no-birth: DDATA of n1/c1 came before the node\'s NBIRTH', 'rebirth: DDATA of n1/c1 before NBIRTH']);
    log.length = 0;
    births(s);
    expect(log).toEqual(['births arrived, 2 skipped before', 'online c1', 'c1 power=7.5@200']);
  });

  it('keeps its tables and seq across the host\'s reconnect, so queued data is read, and skips a redelivery', () => {
    const { session: s, log } = session();
    births(s);
    log.length = 0;
    // The broker connection comes back: the host asks for births, and the queued data arrives first.
    s.rebirthRequested(10_000);
    s.handle(topic('spBv1.0/g/DDATA/n1/c1'), message({ timestamp: 300, seq: 2, metrics: [{ alias: 7, floatValue: 8 }] }), 10_001);
    s.handle(topic('spBv1.0/g/DDATA/n1/c1'), message({ timestamp: 300, seq: 2, metrics: [{ alias: 7, floatValue: 8 }] }), 10_002);
    s.handle(topic('spBv1.0/g/DDATA/n1/c1'), message({ timestamp: 400, seq: 3, metrics: [{ alias: 7, floatValue: 9 }] }), 10_003);
    expect(log).toEqual(['online c1', 'c1 power=8@300', 'online c1', 'c1 power=9@400']);
  });

  it('keeps no table of a device the entry does not read, or refuses', () => {
    const listed = session({ devices: ['c1'] });
    births(listed.session, 'c2');
    listed.session.handle(topic('spBv1.0/g/DDATA/n1/c2'), message({ seq: 2, metrics: [{ alias: 7, floatValue: 1 }] }), 1);
    listed.session.handle(topic('spBv1.0/g/DDEATH/n1/c2'), message({ seq: 3 }), 1);
    expect(listed.log).toEqual([]);
    const full = session({ refuse: ['c3'] });
    births(full.session, 'c3');
    full.session.handle(topic('spBv1.0/g/DDATA/n1/c3'), message({ seq: 2, metrics: [{ alias: 7, floatValue: 1 }] }), 1);
    // Refused (the fleet counts it), never "before its DBIRTH".
    expect(full.log).toEqual([]);
  });

  it('a birth lacking a profile metric makes a bad reading that says so', () => {
    const { session: s, log } = session();
    s.handle(topic('spBv1.0/g/NBIRTH/n1'), message({ timestamp: 100, seq: 0, metrics: [bdSeq('1')] }), 1);
    s.handle(topic('spBv1.0/g/DBIRTH/n1/c2'), message({ timestamp: 200, seq: 1, metrics: [] }), 1);
    expect(log).toEqual(['online c2', 'missing-metric: metric "Power" is not in the DBIRTH of n1/c2', 'c2 power=null@200 (metric "Power" is not in the DBIRTH of n1/c2)']);
  });
});

describe('Sparkplug command filters', () => {
  it.each<[string, boolean]>([
    ['spBv1.0/g/NCMD/n1', true],
    ['spBv1.0/g/DCMD/n1/+', true],
    ['spBv1.0/g/DCMD/n1/#', true],
    ['spBv1.0/g/DCMD/n1/c1', true],
    ['spBv1.0/g/NCMD/n2', false],
    ['spBv1.0/g/+/n1', false],
    ['spBv1.0/g/NDATA/n1', false],
    ['spBv1.0/#', false],
    ['#', false],
    ['spBv1.0/g/NCMD/n1/#', false],
  ])('%s: %s', (filter, allowed) => {
    expect(isNodeCommandFilter(filter, 'g', 'n1')).toBe(allowed);
  });
});

describe('Sparkplug metric values', () => {
  const value = (datatype: number, fields: Partial<sparkplugB.Payload_Metric>) => metricValue(sparkplugB.Payload_Metric.fromPartial(fields), datatype);
  it.each<[string, number, Partial<sparkplugB.Payload_Metric>, unknown]>([
    ['Int8 -1 sent as 0xFF', DataType.Int8, { intValue: 0xff }, { value: -1 }],
    ['Int8 -1 sent as 0xFFFFFFFF', DataType.Int8, { intValue: 0xffffffff }, { value: -1 }],
    ['Int16 -2', DataType.Int16, { intValue: 0xfffe }, { value: -2 }],
    ['Int32 -3', DataType.Int32, { intValue: 0xfffffffd }, { value: -3 }],
    ['UInt32 max', DataType.UInt32, { intValue: 0xffffffff }, { value: 4294967295 }],
    ['Int64 -1', DataType.Int64, { longValue: '18446744073709551615' }, { value: -1 }],
    ['UInt64 2^63', DataType.UInt64, { longValue: '9223372036854775808' }, { value: 9223372036854775808 }],
    ['Float', DataType.Float, { floatValue: 1.5 }, { value: 1.5, significantDigits: 7 }],
    ['Boolean', DataType.Boolean, { booleanValue: true }, { value: true }],
    ['String', DataType.String, { stringValue: 'Charging' }, { value: 'Charging' }],
    ['null', DataType.Double, { isNull: true }, { error: 'the value is null' }],
    ['no value', DataType.Double, {}, { error: 'a Double metric without its value' }],
    ['a DataSet', DataType.DataSet, {}, { error: 'datatype DataSet is not one Davy reads (numbers, booleans and text are)' }],
  ])('%s', (_name, datatype, fields, expected) => {
    expect(value(datatype, fields)).toEqual(expected);
  });
});
