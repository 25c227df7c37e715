import { describe, expect, it } from 'vitest';
import { crc16, cutReply, fits, readRequest, replyData, replyShape } from './rtu-frame.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('RTU frames of a master', () => {
  // Modbus over serial line V1.02, §6.2.2 and appendix B, and frames whose CRC Python computed bit by bit.
  it.each([
    ['11 03 006B 0003', '7687'],
    ['01 03 0000 0001', '840A'],
    ['01 04 0000 0002', '71CB'],
    ['01 03 02 0001', '7984'],
  ])('CRC of %s is %s (low byte first on the wire)', (body, crc) => {
    expect(crc16(hex(body))).toBe(hex(crc).readUInt16LE(0));
  });

  it('writes a read request: unit, function, start, quantity, CRC', () => {
    expect(readRequest(0x11, { table: 'holding', start: 0x6b, count: 3 })).toEqual(hex('11 03 006B 0003 7687'));
    expect(readRequest(1, { table: 'input', start: 0, count: 2 })).toEqual(hex('01 04 0000 0002 71CB'));
    expect(replyShape(1, { table: 'coil', start: 0, count: 10 })).toEqual({ unitId: 1, functionCode: 1, byteCount: 2 });
    expect(replyShape(1, { table: 'holding', start: 0, count: 10 })).toEqual({ unitId: 1, functionCode: 3, byteCount: 20 });
  });

  it('cuts a reply by its byte count, and checks its CRC', () => {
    const reply = hex('01 03 02 0001 7984');
    expect(cutReply(Buffer.concat([reply, hex('01 03')]))).toMatchObject({ bytes: reply, unitId: 1, functionCode: 3, byteCount: 2, crcValid: true });
    expect(cutReply(reply.subarray(0, 6))).toBe('more');
    expect(cutReply(hex('01'))).toBe('more');
    expect(cutReply(hex('01 03 02 0001 7985'))).toMatchObject({ crcValid: false });
    expect(cutReply(hex('01 10 0000 0002 4008'))).toBe('unknown');
  });

  it('cuts an exception reply, which fits a read of any size', () => {
    const exception = cutReply(hex('0a 83 02 b1 33'));
    expect(exception).toMatchObject({ unitId: 10, functionCode: 3, exceptionCode: 2, crcValid: true });
    if (typeof exception === 'string') throw new Error('expected a frame');
    expect(fits(exception, { unitId: 10, functionCode: 3, byteCount: 250 })).toBe(true);
    expect(fits(exception, { unitId: 10, functionCode: 4, byteCount: 250 })).toBe(false);
  });

  it('fits a reply to a request by unit, function and byte count only', () => {
    const reply = cutReply(hex('01 03 02 0001 7984'));
    if (typeof reply === 'string') throw new Error('expected a frame');
    expect(fits(reply, { unitId: 1, functionCode: 3, byteCount: 2 })).toBe(true);
    expect(fits(reply, { unitId: 1, functionCode: 3, byteCount: 4 })).toBe(false);
    expect(fits(reply, { unitId: 2, functionCode: 3, byteCount: 2 })).toBe(false);
    expect(fits(reply, { unitId: 1, functionCode: 4, byteCount: 2 })).toBe(false);
  });

  it('gives registers as wire bytes, and bits least significant first, one byte each', () => {
    const registers = cutReply(hex('01 03 04 1234 abcd 0000'));
    const bits = cutReply(hex('01 01 02 cd 01 0000'));
    if (typeof registers === 'string' || typeof bits === 'string') throw new Error('expected frames');
    expect(replyData(registers, { table: 'holding', start: 0, count: 2 })).toEqual(hex('1234 abcd'));
    // 0xCD = 1100 1101, then bit 8 of 0x01: coils 0-9 are 1 0 1 1 0 0 1 1, 1 0.
    expect([...replyData(bits, { table: 'coil', start: 0, count: 10 })]).toEqual([1, 0, 1, 1, 0, 0, 1, 1, 1, 0]);
  });
});
