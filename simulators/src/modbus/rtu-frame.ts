/**
 * Modbus RTU framing (Modbus over serial line V1.02, §2.5.1): a frame is the slave address, the
 * PDU and a CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF) sent low byte first. RTU has
 * no length field: a slave knows where a request ends from its function code.
 */

/** Address, function code and CRC around the PDU's data. */
export const rtuOverheadBytes = 3;

export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

export function hasValidCrc(frame: Uint8Array): boolean {
  if (frame.length < 4) return false;
  const crc = crc16(frame.subarray(0, frame.length - 2));
  return frame[frame.length - 2] === (crc & 0xff) && frame[frame.length - 1] === crc >> 8;
}

/** `unitId` and `pdu` as an RTU frame, CRC appended. */
export function rtuFrame(unitId: number, pdu: Uint8Array): Buffer {
  const frame = Buffer.alloc(pdu.length + rtuOverheadBytes);
  frame[0] = unitId;
  frame.set(pdu, 1);
  frame.writeUInt16LE(crc16(frame.subarray(0, frame.length - 2)), frame.length - 2);
  return frame;
}

/**
 * Bytes of the request frame starting at `data[0]`: a number once known, 'more' while its header
 * has not all arrived, 'rest' for a function code whose length the slave cannot know (it then
 * takes what arrived together, as the silence after it would end the frame on a wire).
 */
export function requestFrameBytes(data: Uint8Array): number | 'more' | 'rest' {
  if (data.length < 2) return 'more';
  switch (data[1]) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x05:
    case 0x06:
      return 8;
    case 0x0f:
    case 0x10:
      return data.length < 7 ? 'more' : 9 + data[6]!;
    default:
      return 'rest';
  }
}
