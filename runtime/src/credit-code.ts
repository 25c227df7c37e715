/**
 * GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters from a 31-letter
 * alphabet (no I, O, S, V, Z); the last is a check character over the first 17 with weights
 * 3^(i-1) mod 31.
 */
const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const shape = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** The check character the first 17 characters call for. */
export function creditCodeCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += alphabet.indexOf(first17[i]!) * weights[i]!;
  const check = 31 - (sum % 31);
  return alphabet[check === 31 ? 0 : check]!;
}

/** Undefined when valid; otherwise why the code is wrong, in words an engineer can act on. */
export function creditCodeProblem(code: string): string | undefined {
  if (code.length !== 18) return `a unified social credit code has 18 characters, "${code}" has ${code.length}`;
  if (!shape.test(code)) {
    return `"${code}" has characters outside the code's alphabet (digits and A-Z without I, O, S, V, Z; positions 3-8 are the digits of a region code)`;
  }
  const expected = creditCodeCheckCharacter(code);
  if (code[17] !== expected) return `"${code}" fails its check character: the 18th character should be "${expected}", not "${code[17]}"`;
  return undefined;
}
