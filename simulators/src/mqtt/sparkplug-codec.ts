/**
 * The few Sparkplug B payloads the simulated edge node sends and reads, written straight in
 * protobuf's wire format (field numbers from sparkplug_b.proto). It is written apart from the
 * agent's generated decoder on purpose: the agent reading what this writes checks both against
 * the specification instead of against each other.
 */
export const dataTypes = { Boolean: 11, Double: 10, UInt64: 8 } as const;

export interface SimulatedMetric {
  name?: string;
  alias?: number;
  datatype?: number;
  double?: number;
  boolean?: boolean;
  /** An unsigned 64-bit value (bdSeq). */
  long?: number;
}

export interface SimulatedPayload {
  timestamp: number;
  seq?: number;
  metrics: SimulatedMetric[];
}

const varintWire = 0;
const fixed64Wire = 1;
const lengthWire = 2;

class Writer {
  private readonly bytes: number[] = [];

  varint(field: number, value: number): this {
    this.tag(field, varintWire);
    this.rawVarint(value);
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, fixed64Wire);
    const buffer = Buffer.alloc(8);
    buffer.writeDoubleLE(value);
    this.bytes.push(...buffer);
    return this;
  }

  lengthDelimited(field: number, content: Uint8Array): this {
    this.tag(field, lengthWire);
    this.rawVarint(content.length);
    this.bytes.push(...content);
    return this;
  }

  finish(): Buffer {
    return Buffer.from(this.bytes);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  private rawVarint(value: number): void {
    let rest = BigInt(value);
    do {
      const low = Number(rest & 0x7fn);
      rest >>= 7n;
      this.bytes.push(rest > 0n ? low | 0x80 : low);
    } while (rest > 0n);
  }
}

function encodeMetric(metric: SimulatedMetric): Buffer {
  const writer = new Writer();
  if (metric.name !== undefined) writer.lengthDelimited(1, Buffer.from(metric.name, 'utf8'));
  if (metric.alias !== undefined) writer.varint(2, metric.alias);
  if (metric.datatype !== undefined) writer.varint(4, metric.datatype);
  if (metric.long !== undefined) writer.varint(11, metric.long);
  if (metric.double !== undefined) writer.double(13, metric.double);
  if (metric.boolean !== undefined) writer.varint(14, metric.boolean ? 1 : 0);
  return writer.finish();
}

export function encodePayload(payload: SimulatedPayload): Buffer {
  const writer = new Writer().varint(1, payload.timestamp);
  for (const metric of payload.metrics) writer.lengthDelimited(2, encodeMetric(metric));
  if (payload.seq !== undefined) writer.varint(3, payload.seq);
  return writer.finish();
}

/** The names of the metrics set to true in a command (NCMD) payload; throws on a malformed one. */
export function trueMetricNames(bytes: Buffer): string[] {
  const names: string[] = [];
  for (const field of fields(bytes)) {
    if (field.number !== 2 || !Buffer.isBuffer(field.value)) continue;
    let name: string | undefined;
    let value = false;
    for (const inner of fields(field.value)) {
      if (inner.number === 1 && Buffer.isBuffer(inner.value)) name = inner.value.toString('utf8');
      if (inner.number === 14 && typeof inner.value === 'bigint') value = inner.value !== 0n;
    }
    if (name !== undefined && value) names.push(name);
  }
  return names;
}

function* fields(bytes: Buffer): Generator<{ number: number; value: bigint | Buffer }> {
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= bytes.length) throw new RangeError('truncated varint');
      const byte = bytes[at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const wire = key & 7;
    if (wire === varintWire) yield { number: key >> 3, value: varint() };
    else if (wire === lengthWire) {
      const length = Number(varint());
      if (at + length > bytes.length) throw new RangeError('truncated field');
      yield { number: key >> 3, value: bytes.subarray(at, at + length) };
      at += length;
    } else if (wire === fixed64Wire) at += 8;
    else if (wire === 5) at += 4;
    else throw new RangeError(`wire type ${wire}`);
  }
}
