import { describe, expect, it } from 'vitest';
import { formatSteps, lookupPath, parsePath, type PathExpression } from './path-expression.js';

const path = (text: string) => parsePath(text) as PathExpression;

describe('path expressions', () => {
  it.each([
    ['data.meters[0].kWh', ['data', 'meters', 0, 'kWh']],
    ['$.status.power', ['status', 'power']],
    ["readings['L1 voltage']", ['readings', 'L1 voltage']],
    ['$["a.b"][2]', ['a.b', 2]],
    ["$['it\\'s']", ["it's"]],
    ['$', []],
  ])('reads %s', (text, steps) => {
    expect(parsePath(text)).toEqual({ text, steps });
  });

  it.each([
    ['', 'a path cannot be empty'],
    ['data..x', '"data..x": a "." must be followed by a key (use [\'…\'] for keys with spaces or dots)'],
    ['data[x]', '"data[x]": cannot read "[x]" (write .key, [0] or [\'key\'])'],
    ['[0]', '"[0]" must start with a key or $'],
  ])('refuses %j', (text, error) => {
    expect(parsePath(text)).toEqual({ error });
  });

  it('finds a value, or names the first step the document lacks', () => {
    const document = { data: { meters: [{ kWh: 12.5 }], zero: 0, nothing: null } };
    expect(lookupPath(document, path('data.meters[0].kWh'))).toEqual({ found: true, value: 12.5 });
    expect(lookupPath(document, path('data.zero'))).toEqual({ found: true, value: 0 });
    expect(lookupPath(document, path('data.nothing'))).toEqual({ found: true, value: null });
    expect(lookupPath(document, path('data.meters[1].kWh'))).toEqual({ found: false, missing: '$.data.meters[1]' });
    expect(lookupPath(document, path('data.meters.kWh'))).toEqual({ found: false, missing: '$.data.meters.kWh' });
    // Only own keys: an inherited property is not in the payload.
    expect(lookupPath(document, path('data.toString'))).toEqual({ found: false, missing: '$.data.toString' });
    expect(formatSteps(['a b', 0, "it's"])).toBe("$['a b'][0]['it\\'s']");
  });
});
