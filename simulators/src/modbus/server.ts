/**
 * A Modbus TCP server: MBAP framing over node:net, answering from a register bank. Requests
 * pipelined on one connection are answered in order, each with its transaction id, and the
 * replies to one chunk of requests leave in one write: agent benchmarks run against this server,
 * so it must answer tens of thousands of requests per second.
 *
 * Unit id: with `unitId` set, a request for another unit gets no reply at all, as a device on
 * the serial line behind a gateway ignores frames for another address; the client sees the
 * timeout an agent must handle anyway. Without `unitId`, every unit id is answered.
 */
import net from 'node:net';
import { createLogger, errorMessage, type Logger } from '@davy/runtime';
import { answerPdu, exception, exceptionCodes, mbapHeaderBytes, type RequestHooks } from './pdu.js';
import type { RegisterBank } from './register-bank.js';
import { TcpListener } from './tcp-listener.js';

export interface ModbusTcpServerOptions {
  bank: RegisterBank;
  /** Default: none (a plain register server). */
  hooks?: RequestHooks;
  /** Default 127.0.0.1: a simulator is not for the network unless asked. */
  host?: string;
  /** Default 0: any free port (read it from `port` after listen). */
  port?: number;
  unitId?: number;
  logger?: Logger;
}

/** The MBAP length field counts the unit id and the PDU: at least a function code, at most a 253-byte PDU. */
const minFrameLength = 2;
const maxFrameLength = 254;

const noHooks: RequestHooks = { beforeRead: () => undefined, afterWrite: () => undefined };

export class ModbusTcpServer {
  private constructor(
    private readonly listener: TcpListener,
    private readonly options: ModbusTcpServerOptions,
    private readonly logger: Logger,
  ) {}

  static async listen(options: ModbusTcpServerOptions): Promise<ModbusTcpServer> {
    const logger = options.logger ?? createLogger({ component: 'davy-sim' });
    let modbus: ModbusTcpServer | undefined;
    const listener = await TcpListener.listen(options.host ?? '127.0.0.1', options.port ?? 0, (socket) => modbus?.accept(socket));
    modbus = new ModbusTcpServer(listener, options, logger);
    return modbus;
  }

  get host(): string {
    return this.listener.host;
  }

  get port(): number {
    return this.listener.port;
  }

  get connectionCount(): number {
    return this.listener.connectionCount;
  }

  close(): Promise<void> {
    return this.listener.close();
  }

  private accept(socket: net.Socket): void {
    const log = this.logger.child({ peer: `${socket.remoteAddress}:${socket.remotePort}` });
    log.debug('modbus.connected');
    // The start of a frame whose rest has not arrived yet.
    let partial: Buffer | undefined;
    socket.on('data', (chunk: Buffer) => {
      const data = partial ? Buffer.concat([partial, chunk]) : chunk;
      const replies: Buffer[] = [];
      let offset = 0;
      while (data.length - offset >= mbapHeaderBytes) {
        const length = data.readUInt16BE(offset + 4);
        if (length < minFrameLength || length > maxFrameLength) {
          // No way to find where the next frame starts: drop the connection, as devices do.
          log.warn('modbus.bad_frame', { length, fix: 'the MBAP length field must be 2…254' });
          socket.destroy();
          return;
        }
        const end = offset + 6 + length;
        if (end > data.length) break;
        const reply = this.answer(data, offset, end, log);
        if (reply) replies.push(reply);
        offset = end;
      }
      partial = offset === data.length ? undefined : Buffer.from(data.subarray(offset));
      if (replies.length > 0 && !socket.write(replies.length === 1 ? replies[0]! : Buffer.concat(replies))) {
        // A client that sends without reading waits for its replies to drain.
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    });
    socket.on('error', (error) => log.debug('modbus.connection_error', { error: errorMessage(error) }));
    socket.on('close', () => log.debug('modbus.disconnected'));
  }

  /** The reply frame to the request frame data[offset, end), or undefined when it gets none. */
  private answer(data: Buffer, offset: number, end: number, log: Logger): Buffer | undefined {
    const protocol = data.readUInt16BE(offset + 2);
    const unitId = data[offset + 6]!;
    if (protocol !== 0) {
      log.warn('modbus.bad_frame', { protocol, fix: 'the MBAP protocol id of Modbus is 0' });
      return undefined;
    }
    if (this.options.unitId !== undefined && unitId !== this.options.unitId) return undefined;
    const pdu = data.subarray(offset + mbapHeaderBytes, end);
    let reply: Buffer;
    try {
      reply = answerPdu(pdu, this.options.bank, this.options.hooks ?? noHooks);
    } catch (error) {
      log.error('modbus.request_failed', { functionCode: pdu[0], error: errorMessage(error) });
      reply = exception(pdu[0]!, exceptionCodes.serverDeviceFailure);
    }
    reply[0] = data[offset]!;
    reply[1] = data[offset + 1]!;
    reply.writeUInt16BE(0, 2);
    reply.writeUInt16BE(reply.length - 6, 4);
    reply[6] = unitId;
    return reply;
  }
}
