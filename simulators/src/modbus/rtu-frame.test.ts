import { describe, expect, it } from 'vitest';
import { crc16, hasValidCrc, requestFrameBytes, rtuFrame } from './rtu-frame.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('RTU framing', () => {
  // The example of Modbus over serial line V1.02, §6.2.2 / appendix B, and frames captured from devices.
  it.each([
    ['read holding 0x006B × 3 from slave 0x11', '11 03 006B 0003', '7687'],
    ['read holding 0 × 1 from slave 1', '01 03 0000 0001', '840A'],
    ['read input 0 × 2 from slave 1', '01 04 0000 0002', '71CB'],
  ])('CRC of %s', (_, body, crc) => {
    expect(crc16(hex(body))).toBe(hex(crc).readUInt16LE(0));
    expect(rtuFrame(hex(body)[0]!, hex(body).subarray(1))).toEqual(hex(body + crc));
    expect(hasValidCrc(hex(body + crc))).toBe(true);
  });

  it('finds a bad CRC', () => {
    expect(hasValidCrc(hex('01 03 0000 0001 840B'))).toBe(false);
    expect(hasValidCrc(hex('01 03'))).toBe(false);
  });

  it('knows a request\'s length from its function code', () => {
    expect(requestFrameBytes(hex('01'))).toBe('more');
    expect(requestFrameBytes(hex('01 03 0000'))).toBe(8);
    expect(requestFrameBytes(hex('01 10 0000 0002'))).toBe('more');
    expect(requestFrameBytes(hex('01 10 0000 0002 04'))).toBe(13);
    expect(requestFrameBytes(hex('01 0f 0000 000a 02'))).toBe(11);
    expect(requestFrameBytes(hex('01 2b 0e 01 00'))).toBe('rest');
  });
});
