/**
 * A Sparkplug metric's value as a reading value, by the datatype its birth certificate gave.
 * Signed integers up to 32 bits travel in the uint32 int_value (some senders put -1 there as
 * 0xFF for an Int8, others as 0xFFFFFFFF), so they are sign-extended from their own width;
 * 64-bit integers arrive as decimal text (see sparkplug_b.proto) and become doubles.
 */
import { sparkplugB } from '@davy/proto';

const { DataType } = sparkplugB;
type Metric = sparkplugB.Payload_Metric;

export type MetricValue = { value: number | boolean | string; significantDigits?: number } | { error: string };

export function metricValue(metric: Metric, datatype: number): MetricValue {
  if (metric.isNull) return { error: 'the value is null' };
  const missing = { error: `a ${DataType[datatype] ?? datatype} metric without its value` };
  switch (datatype) {
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32: {
      if (metric.intValue === undefined) return missing;
      const shift = datatype === DataType.Int8 ? 24 : datatype === DataType.Int16 ? 16 : 0;
      return { value: (metric.intValue << shift) >> shift };
    }
    case DataType.UInt8:
    case DataType.UInt16:
    case DataType.UInt32:
      return metric.intValue === undefined ? missing : { value: metric.intValue >>> 0 };
    case DataType.Int64:
      return metric.longValue === undefined ? missing : { value: Number(BigInt.asIntN(64, BigInt(metric.longValue))) };
    case DataType.UInt64:
    case DataType.DateTime:
      return metric.longValue === undefined ? missing : { value: Number(BigInt.asUintN(64, BigInt(metric.longValue))) };
    case DataType.Float:
      return metric.floatValue === undefined ? missing : { value: metric.floatValue, significantDigits: 7 };
    case DataType.Double:
      return metric.doubleValue === undefined ? missing : { value: metric.doubleValue };
    case DataType.Boolean:
      return metric.booleanValue === undefined ? missing : { value: metric.booleanValue };
    case DataType.String:
    case DataType.Text:
    case DataType.UUID:
      return metric.stringValue === undefined ? missing : { value: metric.stringValue };
    default:
      return { error: `datatype ${DataType[datatype] ?? datatype} is not one Davy reads (numbers, booleans and text are)` };
  }
}
