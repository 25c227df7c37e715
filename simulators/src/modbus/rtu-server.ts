/**
 * Where a simulated RTU line is served: on TCP (RTU over TCP: every connection is the line, as a
 * serial server in transparent mode offers it), or on a serial device — typically one end of a
 * socat pty pair, the agent holding the other end.
 */
import { closeSync, constants, openSync } from 'node:fs';
import tty from 'node:tty';
import type { Logger } from '@davy/runtime';
import { RtuSession } from './rtu-session.js';
import type { SimulatedLine } from './simulated-line.js';
import { TcpListener } from './tcp-listener.js';

export interface RtuServing {
  /** For log lines and errors: host:port, or the device path. */
  readonly where: string;
  close(): Promise<void>;
}

export async function serveRtuOverTcp(line: SimulatedLine, host: string, port: number, log: Logger, lineSpeed?: number): Promise<RtuServing & { port: number; host: string }> {
  const listener = await TcpListener.listen(host, port, (socket) => {
    const peer = log.child({ peer: `${socket.remoteAddress}:${socket.remotePort}` });
    peer.debug('modbus.connected');
    socket.on('error', (error) => peer.debug('modbus.connection_error', { error: error.message }));
    new RtuSession(socket, line, peer, lineSpeed);
  });
  return { where: `${listener.host}:${listener.port}`, host: listener.host, port: listener.port, close: () => listener.close() };
}

export function serveRtuOnSerial(line: SimulatedLine, path: string, log: Logger, lineSpeed?: number): RtuServing {
  const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
  if (!tty.isatty(fd)) {
    closeSync(fd);
    throw new Error(`${path} is not a serial device or pty: give the path of a serial port, or of one end of a socat pty pair`);
  }
  // A tty stream is a socket on the descriptor: it reads and writes, without blocking a thread.
  const stream = new tty.ReadStream(fd);
  stream.setRawMode(true);
  stream.on('error', (error) => log.warn('modbus.serial_error', { path, error: error.message }));
  const session = new RtuSession(stream, line, log.child({ serial: path }), lineSpeed);
  return {
    where: path,
    close: async () => session.close(),
  };
}
