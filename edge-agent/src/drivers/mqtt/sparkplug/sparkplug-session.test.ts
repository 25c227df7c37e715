import { describe, expect, it } from 'vitest';
import { sparkplugB } from '@davy/proto';
import { metricValue } from './metric-value.js';
import type { SparkplugDevice } from './sparkplug-device.js';
import { SparkplugSession, type SessionOutput } from './sparkplug-session.js';
import { parseSparkplugTopic, type SparkplugTopic } from './sparkplug-topic.js';

const { DataType, Payload } = sparkplugB;

const spec = { name: 'station', edgeNode: 'n1', groupId: 'g', devices: '*', metrics: new Map([['Power', 'power']]) } as SparkplugDevice;

function session(): { session: SparkplugSession; log: string[] } {
  const log: string[] = [];
  const out: SessionOutput = {
    admit: () => true,
    readings: (device, readings) => log.push(`${device} ${readings.map((r) => `${r.point}=${r.value}@${r.timeMs}${r.error ? ` (${r.error})` : ''}`).join(' ')}`),
    online: (device) => log.push(`online ${device}`),
    offline: (device, reason) => log.push(`offline ${device}: ${reason}`),
    problem: (kind, message) => log.push(`${kind}: ${message}`),
    rebirth: (reason) => log.push(`rebirth: ${reason}`),
  };
  return { session: new SparkplugSession(spec, out), log };
}

const topic = (text: string) => parseSparkplugTopic(text) as SparkplugTopic;
const bdSeq = (value: string) => ({ name: 'bdSeq', datatype: DataType.UInt64, longValue: value });
const message = (fields: Partial<sparkplugB.Payload>) => Payload.decode(Payload.encode(Payload.fromPartial(fields)).finish());

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
      'c1 power=8.5@299',
      'sequence: DDATA of n1/c1 has seq 4, expected 3: messages were lost or reordered',
      'unknown-alias: DDATA of n1/c1: alias 9 is in no birth certificate',
      'rebirth: DDATA of n1/c1: 1 unknown alias',
      'offline c1: NDEATH of n1',
    ]);
  });

  it('a birth lacking a profile metric makes a bad reading that says so', () => {
    const { session: s, log } = session();
    s.handle(topic('spBv1.0/g/NBIRTH/n1'), message({ timestamp: 100, seq: 0, metrics: [bdSeq('1')] }), 1);
    s.handle(topic('spBv1.0/g/DBIRTH/n1/c2'), message({ timestamp: 200, seq: 1, metrics: [] }), 1);
    expect(log).toEqual(['online c2', 'missing-metric: metric "Power" is not in the DBIRTH of n1/c2', 'c2 power=null@200 (metric "Power" is not in the DBIRTH of n1/c2)']);
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
