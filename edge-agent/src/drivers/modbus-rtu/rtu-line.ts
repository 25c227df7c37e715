/**
 * A Modbus RTU line: the serial port, or the serial server's host:port, that its slaves share,
 * and the silence between frames it needs.
 */
import { realpathSync } from 'node:fs';

export type Parity = 'none' | 'even' | 'odd';

export type RtuLine =
  | { kind: 'serial'; path: string; baudRate: number; parity: Parity; dataBits: number; stopBits: number }
  | { kind: 'tcp'; host: string; port: number };

/** Behind a serial server the line speed is the server's setting: 3.65 ms is 3.5 characters at 9600 baud 8N1, the usual one. */
const serverLineGapMs = 4;

/**
 * Modbus over serial line (V1.02, §2.5.1.1): frames are apart by at least 3.5 character times;
 * above 19,200 baud a fixed 1.75 ms.
 */
export function defaultInterFrameGapMs(line: RtuLine): number {
  if (line.kind === 'tcp') return serverLineGapMs;
  if (line.baudRate > 19_200) return 1.75;
  const bitsPerCharacter = 1 + line.dataBits + (line.parity === 'none' ? 0 : 1) + line.stopBits;
  return (3.5 * bitsPerCharacter * 1000) / line.baudRate;
}

/** What devices on one line have in common: two spellings of one port (a by-id link and /dev/ttyUSB0) are one line. */
export function lineKey(line: RtuLine): string {
  if (line.kind === 'tcp') return `tcp:${line.host.toLowerCase()}:${line.port}`;
  try {
    return `serial:${realpathSync(line.path)}`;
  } catch {
    return `serial:${line.path}`;
  }
}

/** "/dev/ttyUSB0 9600 8N1" or "10.0.0.7:4001". */
export function describeLine(line: RtuLine): string {
  return line.kind === 'tcp' ? lineAddress(line) : `${line.path} ${serialSettings(line)}`;
}

/** "9600 8N1": what every device on one serial port must agree on. */
export function serialSettings(line: Extract<RtuLine, { kind: 'serial' }>): string {
  return `${line.baudRate} ${line.dataBits}${line.parity[0]!.toUpperCase()}${line.stopBits}`;
}

export function lineAddress(line: RtuLine): string {
  return line.kind === 'tcp' ? `${line.host}:${line.port}` : line.path;
}
