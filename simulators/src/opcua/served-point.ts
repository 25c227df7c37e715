/**
 * Where a profile point lives in the simulated server and what its value looks like there. A
 * point `nsu=<uri>;s=Fan1.Motor.Current` (or browse path Fan1/Motor/Current) is the variable
 * Current of object Motor of object Fan1 under Objects, with node id s=Fan1.Motor.Current in
 * that namespace: node ids and browse paths of the same point agree, as `device discover` writes them.
 */
import { parseNodeId, type OpcuaDataType, type OpcuaPointDocument } from '@davy/edge-agent/opcua';

export interface PointPlace {
  namespaceUri: string;
  /** Browse names from the Objects folder; the last is the variable's. */
  names: string[];
}

export function pointPlace(point: OpcuaPointDocument, profileNamespace: string, namespaceArray: readonly string[]): PointPlace | { error: string } {
  if (point.browsePath !== undefined) {
    const names = point.browsePath.replace(/^\/+/, '').split('/');
    if (names.some((name) => /^\d+:/.test(name))) return { error: `${point.name}: davy-sim serves browse paths in the profile's namespace only` };
    return { namespaceUri: profileNamespace, names };
  }
  const nodeId = parseNodeId(point.nodeId!);
  if ('error' in nodeId) return nodeId;
  if (!nodeId.identifier.startsWith('s=')) return { error: `${point.name}: davy-sim serves string node ids (s=…) only, not ${nodeId.identifier}` };
  const uri = nodeId.namespaceUri ?? (nodeId.namespaceIndex === undefined ? undefined : namespaceArray[nodeId.namespaceIndex]);
  if (uri === undefined || nodeId.namespaceIndex === 0) return { error: `${point.name}: node id ${point.nodeId} is in no namespace davy-sim serves; use nsu=${profileNamespace};${nodeId.identifier}` };
  return { namespaceUri: uri, names: nodeId.identifier.slice(2).split('.') };
}

const integerRanges: Partial<Record<OpcuaDataType, [number, number]>> = {
  SByte: [-128, 127],
  Byte: [0, 255],
  Int16: [-32768, 32767],
  UInt16: [0, 65535],
  Int32: [-2147483648, 2147483647],
  UInt32: [0, 4294967295],
  Int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UInt64: [0, Number.MAX_SAFE_INTEGER],
};

/** A behaviour's engineering value as the node's raw value of its type: (value − offset) / scale. */
export function rawValue(point: OpcuaPointDocument, value: number): unknown {
  const dataType = point.dataType ?? 'Double';
  const raw = (value - point.offset) / point.scale;
  const range = integerRanges[dataType];
  if (range) {
    const integer = Math.min(range[1], Math.max(range[0], Math.round(raw)));
    // node-opcua carries 64-bit integers as [high, low] 32-bit words.
    return dataType === 'Int64' || dataType === 'UInt64' ? [Math.floor(integer / 2 ** 32) >>> 0, integer >>> 0] : integer;
  }
  switch (dataType) {
    case 'Boolean':
      return raw !== 0;
    case 'Float':
      return Math.fround(raw);
    case 'String':
      return String(Number(raw.toPrecision(6)));
    case 'DateTime':
      return new Date();
    default:
      return raw;
  }
}
