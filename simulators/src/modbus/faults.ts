/**
 * Faults a simulated slave can be given (`--fault UNIT=KIND[:EVERY]`, `UNIT=late:MS[:EVERY]`), so
 * tests and demos meet what field lines do: a slave that never answers, one that answers with an
 * exception, a reply damaged on the wire, a serial server that drops the connection, a reply that
 * comes after the master gave up. EVERY = N hits every N-th request to that unit (default 1: all
 * of them).
 */
export const faultKinds = {
  silent: 'never answers (a dead slave: the master times out)',
  busy: 'answers with exception 06, server device busy',
  crc: 'answers with a corrupted CRC (noise on the line)',
  drop: 'closes the connection instead of answering (RTU over TCP: a serial server dropping it)',
  late: 'late:MS answers MS milliseconds late, holding the replies behind it (a serial server on a slow 4G link)',
} as const;

export type FaultKind = keyof typeof faultKinds;

export interface Fault {
  unitId: number;
  kind: FaultKind;
  every: number;
  /** For `late`: how long the reply is held back. */
  delayMs?: number;
}

export const faultSyntax = 'UNIT=KIND[:EVERY]';

export function parseFault(text: string): Fault {
  const match = /^(\d{1,3})=([a-z]+)((?::\d+)*)$/.exec(text.trim());
  const unitId = Number(match?.[1]);
  const kind = match?.[2] ?? '';
  const numbers = (match?.[3] ?? '').split(':').slice(1).map(Number);
  // late takes its delay first (late:MS[:EVERY]); the other kinds only EVERY.
  const [delayMs, every = 1] = kind === 'late' ? numbers : [undefined, ...numbers];
  const arity = kind === 'late' ? numbers.length >= 1 && numbers.length <= 2 : numbers.length <= 1;
  if (!match || !arity || unitId < 1 || unitId > 247 || !(kind in faultKinds) || every < 1) {
    throw new RangeError(
      `"${text}" is not ${faultSyntax} with a unit 1-247, KIND one of ${Object.keys(faultKinds).join(', ')} and EVERY ≥ 1, e.g. 3=silent, 2=crc:5 or 1=late:2500`,
    );
  }
  return delayMs === undefined ? { unitId, kind: kind as FaultKind, every } : { unitId, kind: 'late', every, delayMs };
}

export function describeFaults(): string {
  return Object.entries(faultKinds).map(([kind, about]) => `  ${kind}: ${about}`).join('\n');
}

/** The fault that hits a unit's next request, if any; counts that unit's requests. */
export class FaultPlan {
  private readonly requests = new Map<number, number>();

  constructor(private readonly faults: readonly Fault[]) {}

  next(unitId: number): Fault | undefined {
    const count = (this.requests.get(unitId) ?? 0) + 1;
    this.requests.set(unitId, count);
    return this.faults.find((fault) => fault.unitId === unitId && count % fault.every === 0);
  }
}
