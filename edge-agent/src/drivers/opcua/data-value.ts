/**
 * An OPC UA DataValue as a Davy reading: the status code's severity is the quality (Good →
 * good, Uncertain → uncertain, Bad → bad with the status name as the error), the source
 * timestamp is the time (else the server's, else the agent's read time).
 */
import type { PointReading, Quality } from '../driver.js';

/** The parts of node-opcua's DataValue a reading needs (so this stays testable without it). */
export interface DataValueLike {
  value?: { dataType: number; arrayType?: number; value: unknown } | null;
  statusCode?: { value: number; name: string } | null;
  sourceTimestamp?: Date | null;
  serverTimestamp?: Date | null;
}

/** OPC UA built-in type ids (Part 6, 5.1.2). */
const builtIn = {
  Null: 0, Boolean: 1, SByte: 2, Byte: 3, Int16: 4, UInt16: 5, Int32: 6, UInt32: 7, Int64: 8, UInt64: 9,
  Float: 10, Double: 11, String: 12, DateTime: 13, Guid: 14, ByteString: 15, XmlElement: 16, NodeId: 17,
  ExpandedNodeId: 18, StatusCode: 19, QualifiedName: 20, LocalizedText: 21,
} as const;

export const builtInTypeNames: Record<number, string> = Object.fromEntries(Object.entries(builtIn).map(([name, id]) => [id, name]));

export function qualityOf(statusCode: number): Quality {
  // The two top bits are the severity: 00 good, 01 uncertain, 10 (and 11) bad.
  const severity = statusCode >>> 30;
  return severity === 0 ? 'good' : severity === 1 ? 'uncertain' : 'bad';
}

export function readingFromDataValue(point: string, dataValue: DataValueLike, readTimeMs: number, raw?: string): PointReading {
  const status = dataValue.statusCode ?? { value: 0, name: 'Good' };
  const quality = qualityOf(status.value);
  const timeMs = validTime(dataValue.sourceTimestamp) ?? validTime(dataValue.serverTimestamp) ?? readTimeMs;
  const rawText = raw === undefined ? undefined : `${raw} ${builtInTypeNames[dataValue.value?.dataType ?? 0] ?? 'Variant'}`;
  if (quality === 'bad') return { point, value: null, timeMs, quality, raw: rawText, error: status.name };
  const converted = scalarOf(dataValue.value);
  if ('error' in converted) return { point, value: null, timeMs, quality: 'bad', raw: rawText, error: converted.error };
  return {
    point,
    value: converted.value,
    timeMs,
    quality,
    raw: rawText,
    significantDigits: dataValue.value?.dataType === builtIn.Float ? 7 : undefined,
    error: quality === 'uncertain' ? status.name : undefined,
  };
}

/** OPC UA's "no time" is 1601-01-01 or null. */
function validTime(date: Date | null | undefined): number | undefined {
  const ms = date?.getTime();
  return ms !== undefined && Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

function scalarOf(variant: DataValueLike['value']): { value: number | boolean | string } | { error: string } {
  if (!variant || variant.dataType === builtIn.Null || variant.value === null || variant.value === undefined) return { error: 'the server sent no value (Null)' };
  if (variant.arrayType !== undefined && variant.arrayType !== 0) return { error: `the node holds an array (${builtInTypeNames[variant.dataType] ?? variant.dataType}[]); a point reads one scalar` };
  const value = variant.value;
  switch (variant.dataType) {
    case builtIn.Boolean:
      return { value: Boolean(value) };
    case builtIn.Int64:
    case builtIn.UInt64: {
      // node-opcua keeps 64-bit integers as [high, low] 32-bit words.
      const [high, low] = value as [number, number];
      const signedHigh = variant.dataType === builtIn.Int64 ? high | 0 : high >>> 0;
      return { value: signedHigh * 2 ** 32 + (low >>> 0) };
    }
    case builtIn.DateTime:
      return { value: (value as Date).getTime() };
    case builtIn.StatusCode:
      return { value: (value as { value: number }).value };
    case builtIn.LocalizedText:
      return { value: (value as { text?: string | null }).text ?? '' };
    case builtIn.QualifiedName:
      return { value: (value as { name?: string | null }).name ?? '' };
    case builtIn.ByteString:
      return { value: (value as Buffer).toString('hex') };
    default:
      if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return { value };
      if (variant.dataType === builtIn.Guid || variant.dataType === builtIn.NodeId || variant.dataType === builtIn.ExpandedNodeId) return { value: String(value) };
      return { error: `values of type ${builtInTypeNames[variant.dataType] ?? variant.dataType} are not read (structures and other non-scalars)` };
  }
}
