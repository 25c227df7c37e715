import { describe, expect, it } from 'vitest';
import { JsonMapping, type JsonPoint } from './json-mapping.js';
import { parsePath, type PathExpression } from './path-expression.js';

const path = (text: string) => parsePath(text) as PathExpression;
const points: JsonPoint[] = [{ name: 'power', path: path('p'), type: 'number' }];
const receivedMs = Date.UTC(2026, 10, 26, 8);

describe('JSON mapping', () => {
  it('takes a plausible source time', () => {
    expect(new JsonMapping(points, path('ts')).map(JSON.stringify({ ts: 1764144000123, p: 1 }), receivedMs)).toEqual({
      readings: [{ point: 'power', value: 1, timeMs: 1764144000123, quality: 'good' }],
      problems: [],
    });
  });

  it('keeps the receive time, and says why, when the source time cannot be true', () => {
    const error = 'source time at ts: 1764144000123456 (read as +057873-07-01T08:02:03.456Z) is more than a day ahead of the agent\'s clock: a time in microseconds or nanoseconds?; the agent\'s receive time is used';
    expect(new JsonMapping(points, path('ts')).map(JSON.stringify({ ts: 1764144000123456, p: 1 }), receivedMs)).toEqual({
      readings: [{ point: 'power', value: 1, timeMs: receivedMs, quality: 'uncertain', error }],
      problems: [{ kind: 'source-time', message: error }],
    });
  });
});
