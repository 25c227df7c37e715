import { describe, expect, it } from 'vitest';
import { creditCodeProblem } from './credit-code.js';

describe('unified social credit code (GB 32100-2015)', () => {
  it.each(['91350100M000100Y43', '91350200776049653A', '91110000600037341L', '91440101MA5CJQ4N59'])('accepts %s', (code) => {
    expect(creditCodeProblem(code)).toBeUndefined();
  });

  it('rejects a wrong check character and names the right one', () => {
    expect(creditCodeProblem('91350203M0001QAY9B')).toBe(
      '"91350203M0001QAY9B" fails its check character: the 18th character should be "9", not "B"',
    );
  });

  it('rejects a wrong length and letters outside the alphabet', () => {
    expect(creditCodeProblem('9135010')).toBe('a unified social credit code has 18 characters, "9135010" has 7');
    expect(creditCodeProblem('91350100M0001O0Y43')).toMatch(/outside the code's alphabet/);
  });
});
