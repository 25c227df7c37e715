/**
 * The byte stream a line's RTU frames travel on: a TCP socket to a serial server in transparent
 * (TCP server) mode, which passes the frames (address, PDU, CRC) to its serial port as they are,
 * or the gateway's own serial port. serialport is loaded only when a serial line opens.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ModbusReadError, readFailure } from '../modbus/index.js';
import { lineAddress, type RtuLine } from './rtu-line.js';
import { serialSupportProblem } from './serial-support.js';

export interface RtuStream {
  readonly bytes: Duplex;
  /** Ends the stream at once; 'close' follows. */
  close(): void;
}

/** Opens the line within `timeoutMs`; rejects with a ModbusReadError of kind `connection`. */
export async function openRtuStream(line: RtuLine, timeoutMs: number): Promise<RtuStream> {
  const where = lineAddress(line);
  let timer: NodeJS.Timeout | undefined;
  const opening = line.kind === 'tcp' ? openSocket(line.host, line.port) : openSerialPort(line);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(readFailure.connectTimeout(where, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([opening, timeout]);
  } catch (error) {
    // One that opens after all, too late, is closed at once.
    void opening.then((stream) => stream.close(), () => undefined);
    throw error instanceof ModbusReadError ? error : readFailure.cannotConnect(where, error);
  } finally {
    clearTimeout(timer);
  }
}

function openSocket(host: string, port: number): Promise<RtuStream> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      // A request is one small write: sent at once, not held back to be coalesced.
      socket.setNoDelay(true);
      resolve({ bytes: socket, close: () => socket.destroy() });
    });
  });
}

async function openSerialPort(line: Extract<RtuLine, { kind: 'serial' }>): Promise<RtuStream> {
  const problem = serialSupportProblem();
  if (problem) throw new Error(problem);
  const { SerialPort } = await import('serialport');
  const port = new SerialPort({ path: line.path, baudRate: line.baudRate, parity: line.parity, dataBits: 8, stopBits: line.stopBits === 2 ? 2 : 1, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  // A serial port stream has no destroy of its own: closing is what releases the port.
  return { bytes: port, close: () => port.close(() => undefined) };
}
