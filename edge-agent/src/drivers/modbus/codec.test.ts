import { describe, expect, it } from 'vitest';
import { decodeRegisters, encodeValue, type RegisterLayout } from './codec.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** Each case: the layout, the bytes on the wire, the value they mean. */
const cases: Array<[string, RegisterLayout, string, number | boolean | string]> = [
  ['int16 AB', { type: 'int16', order: 'AB' }, 'fffe', -2],
  ['int16 BA', { type: 'int16', order: 'BA' }, 'feff', -2],
  ['uint16 ABCD', { type: 'uint16', order: 'ABCD' }, 'fffe', 65534],
  ['uint16 BADC', { type: 'uint16', order: 'BADC' }, 'feff', 65534],
  ['int32 ABCD', { type: 'int32', order: 'ABCD' }, 'f8a4 32eb', -123456789],
  ['int32 CDAB', { type: 'int32', order: 'CDAB' }, '32eb f8a4', -123456789],
  ['int32 BADC', { type: 'int32', order: 'BADC' }, 'a4f8 eb32', -123456789],
  ['int32 DCBA', { type: 'int32', order: 'DCBA' }, 'eb32 a4f8', -123456789],
  ['uint32 ABCD', { type: 'uint32', order: 'ABCD' }, '1234 5678', 0x12345678],
  ['uint32 CDAB', { type: 'uint32', order: 'CDAB' }, '5678 1234', 0x12345678],
  ['uint32 BADC', { type: 'uint32', order: 'BADC' }, '3412 7856', 0x12345678],
  ['uint32 DCBA', { type: 'uint32', order: 'DCBA' }, '7856 3412', 0x12345678],
  ['float32 ABCD', { type: 'float32', order: 'ABCD' }, '42f6 e979', 123.45600128173828],
  ['float32 CDAB', { type: 'float32', order: 'CDAB' }, 'e979 42f6', 123.45600128173828],
  ['float32 BADC', { type: 'float32', order: 'BADC' }, 'f642 79e9', 123.45600128173828],
  ['float32 DCBA', { type: 'float32', order: 'DCBA' }, '79e9 f642', 123.45600128173828],
  ['int64 ABCDEFGH', { type: 'int64', order: 'ABCDEFGH' }, 'ffff fee0 8e04 fb35', -1234567890123],
  ['int64 GHEFCDAB', { type: 'int64', order: 'GHEFCDAB' }, 'fb35 8e04 fee0 ffff', -1234567890123],
  ['int64 BADCFEHG', { type: 'int64', order: 'BADCFEHG' }, 'ffff e0fe 048e 35fb', -1234567890123],
  ['int64 HGFEDCBA', { type: 'int64', order: 'HGFEDCBA' }, '35fb 048e e0fe ffff', -1234567890123],
  ['uint64 ABCD (4-letter form)', { type: 'uint64', order: 'ABCD' }, '0004 62d5 3c8a bac0', 1234567890123456],
  ['uint64 CDAB (4-letter form: words reversed)', { type: 'uint64', order: 'CDAB' }, 'bac0 3c8a 62d5 0004', 1234567890123456],
  ['float64 ABCDEFGH', { type: 'float64', order: 'ABCDEFGH' }, '4093 4a45 6d5c faad', 1234.5678],
  ['float64 GHEFCDAB', { type: 'float64', order: 'GHEFCDAB' }, 'faad 6d5c 4a45 4093', 1234.5678],
  ['float64 BADCFEHG', { type: 'float64', order: 'BADCFEHG' }, '9340 454a 5c6d adfa', 1234.5678],
  ['float64 HGFEDCBA', { type: 'float64', order: 'HGFEDCBA' }, 'adfa 5c6d 454a 9340', 1234.5678],
  ['bool bit 3 set', { type: 'bool', order: 'ABCD', bit: 3 }, '0008', true],
  ['bool bit 4 clear', { type: 'bool', order: 'ABCD', bit: 4 }, '0008', false],
  ['bool bit 15', { type: 'bool', order: 'ABCD', bit: 15 }, '8000', true],
  ['string AB', { type: 'string', order: 'AB', length: 4 }, '4441 5659 2d30 3100', 'DAVY-01'],
  ['string BA', { type: 'string', order: 'BA', length: 4 }, '4144 5956 302d 0031', 'DAVY-01'],
  ['string trailing spaces', { type: 'string', order: 'ABCD', length: 3 }, '4b4a 3230 2020', 'KJ20'],
];

describe('decodeRegisters', () => {
  it.each(cases)('%s', (_name, layout, bytes, value) => {
    expect(decodeRegisters(hex(bytes), layout)).toBe(value);
  });

  it('rejects too few bytes, naming what it needed', () => {
    expect(() => decodeRegisters(hex('1234'), { type: 'float32', order: 'ABCD' })).toThrow('float32 needs 4 bytes, got 2');
  });

  it('reads only its own registers from a longer buffer', () => {
    expect(decodeRegisters(hex('0001 ffff ffff'), { type: 'uint16', order: 'ABCD' })).toBe(1);
  });
});

// Decoding ignores the other bits of a register and a string's padding; encoding cannot
// know them, so these two cases are decode-only.
const decodeOnly = new Set(['bool bit 4 clear', 'string trailing spaces']);

describe('encodeValue', () => {
  it.each(cases.filter(([name]) => !decodeOnly.has(name)))('%s: encodes to the same bytes', (_name, layout, bytes, value) => {
    expect(encodeValue(value, layout).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  it('clamps and rounds integers like device firmware would', () => {
    expect(encodeValue(70000, { type: 'uint16', order: 'ABCD' }).toString('hex')).toBe('ffff');
    expect(encodeValue(-5, { type: 'uint32', order: 'ABCD' }).toString('hex')).toBe('00000000');
    expect(encodeValue(31.6, { type: 'int16', order: 'ABCD' }).toString('hex')).toBe('0020');
  });
});
