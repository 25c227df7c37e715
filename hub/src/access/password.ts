/**
 * Passwords: the GB/T 22239-2019 level-2 practice for their strength (at least 8 characters,
 * from at least 3 of the 4 classes), and scrypt (memory-hard: 32 MiB per hash, Node's own
 * crypto) for keeping them. A stored hash names its parameters, so they can grow later.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const parameters = { N: 2 ** 15, r: 8, p: 1 } as const;
const keyLength = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyLength, { ...options, maxmem: 128 * options.N! * options.r! * 2 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** Why `password` is too weak; undefined when it is strong enough. */
export function passwordProblem(password: string, name: string): string | undefined {
  if (password.length < 8) return 'is shorter than 8 characters';
  if (password.length > 256) return 'is longer than 256 characters';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(password)).length;
  if (classes < 3) return 'needs characters from at least 3 of: lower case, upper case, digits, others';
  if (name !== '' && password.toLowerCase().includes(name.toLowerCase())) return 'contains the user name';
  return undefined;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, parameters);
  return `scrypt$${parameters.N}$${parameters.r}$${parameters.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A password that passes the rules, for the first admin (shown once, changed at first login). */
export function generatedPassword(): string {
  return `Dv-${randomBytes(12).toString('base64url')}9a`;
}
