/**
 * A JSON payload made into readings, one per point of the payload's message. What the payload
 * lacks is never a zero: a missing path, a null or a value of the wrong kind is a bad reading
 * that names the path and what was there instead. A source time that is missing, unreadable or
 * cannot be true leaves the values uncertain at the receive time, saying why. A payload that is
 * not JSON at all maps to nothing: the driver counts and skips it.
 */
import type { PointReading } from '../driver.js';
import { describeJson } from './describe-json.js';
import type { JsonValueType } from './json-profile-schema.js';
import { formatSteps, lookupPath, type PathExpression } from './path-expression.js';
import { implausibleSourceTime, parseSourceTime } from './source-time.js';

export interface JsonPoint {
  name: string;
  path: PathExpression;
  type: JsonValueType;
  states?: Readonly<Record<string, number>>;
  /** The message that carries the point; none: every message. */
  message?: string;
}

/** Why a reading is bad or uncertain, by kind, for the driver's error counts. */
export type MappingProblemKind = 'missing-value' | 'wrong-type' | 'unknown-state' | 'source-time';

export interface MappingProblem {
  kind: MappingProblemKind;
  message: string;
}

export type MappedPayload = { readings: PointReading[]; problems: MappingProblem[] } | { malformed: string };

export class JsonMapping {
  private readonly byMessage = new Map<string | undefined, JsonPoint[]>();

  constructor(
    readonly points: readonly JsonPoint[],
    private readonly timestampPath?: PathExpression,
  ) {
    for (const point of points) {
      if (point.message === undefined) continue;
      this.byMessage.set(point.message, [...(this.byMessage.get(point.message) ?? []), point]);
    }
    const everywhere = points.filter((point) => point.message === undefined);
    for (const [message, own] of this.byMessage) this.byMessage.set(message, [...own, ...everywhere]);
    this.byMessage.set(undefined, everywhere);
  }

  /** The messages points name, in profile order. */
  get messages(): string[] {
    return [...this.byMessage.keys()].filter((message): message is string => message !== undefined);
  }

  /** Maps the points `message` carries (all points without `message`s when undefined). */
  map(payload: Buffer | string, receivedMs: number, message?: string): MappedPayload {
    let document: unknown;
    try {
      document = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
    } catch (error) {
      return { malformed: `not JSON: ${(error as Error).message}` };
    }
    const problems: MappingProblem[] = [];
    let timeMs = receivedMs;
    let timeProblem: string | undefined;
    if (this.timestampPath) {
      const found = lookupPath(document, this.timestampPath);
      const parsed = found.found ? parseSourceTime(found.value) : { error: `no value at ${found.missing}` };
      const error = 'error' in parsed ? parsed.error : implausibleSourceTime(found.found ? found.value : undefined, parsed.timeMs, receivedMs);
      if (error === undefined && 'timeMs' in parsed) timeMs = parsed.timeMs;
      else {
        timeProblem = `source time at ${this.timestampPath.text}: ${error}; the agent's receive time is used`;
        problems.push({ kind: 'source-time', message: timeProblem });
      }
    }
    const readings = (this.byMessage.get(message) ?? []).map((point): PointReading => {
      const result = valueOf(document, point);
      if ('problem' in result) {
        problems.push(result.problem);
        return { point: point.name, value: null, timeMs, quality: 'bad', error: result.problem.message };
      }
      if (timeProblem) return { point: point.name, value: result.value, timeMs, quality: 'uncertain', error: timeProblem };
      return { point: point.name, value: result.value, timeMs, quality: 'good' };
    });
    return { readings, problems };
  }
}

function valueOf(document: unknown, point: JsonPoint): { value: number | boolean | string } | { problem: MappingProblem } {
  const found = lookupPath(document, point.path);
  if (!found.found) {
    const where = found.missing === formatSteps(point.path.steps) ? point.path.text : `${point.path.text} (${found.missing} is missing)`;
    return { problem: { kind: 'missing-value', message: `no value at ${where}` } };
  }
  const value = found.value;
  if (value === null) return { problem: { kind: 'missing-value', message: `${point.path.text} is null` } };
  if (point.states && typeof value === 'string') {
    if (Object.hasOwn(point.states, value)) return { value: point.states[value]! };
    return { problem: { kind: 'unknown-state', message: `${point.path.text} is ${describeJson(value)}, not one of the states ${Object.keys(point.states).join(', ')}` } };
  }
  const expected = point.states ? 'string' : point.type;
  if (typeof value === expected && (typeof value !== 'number' || Number.isFinite(value))) return { value: value as number | boolean | string };
  return { problem: { kind: 'wrong-type', message: `${point.path.text} is ${describeJson(value)}, expected ${expected === 'string' && point.states ? 'a state text' : `a ${expected}`}` } };
}
