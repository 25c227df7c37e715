/**
 * A Modbus TCP client for tests that sends exact bytes and hands back exact reply frames, so a
 * test sees what the wire carries, not what a client library made of it.
 */
import net from 'node:net';

/** A Modbus TCP frame (MBAP header + PDU) with protocol id 0. */
export function frame(transactionId: number, unitId: number, pdu: readonly number[]): Buffer {
  const bytes = Buffer.alloc(7 + pdu.length);
  bytes.writeUInt16BE(transactionId, 0);
  bytes.writeUInt16BE(pdu.length + 1, 4);
  bytes[6] = unitId;
  bytes.set(pdu, 7);
  return bytes;
}

export class ModbusWireClient {
  readonly closed: Promise<void>;
  private received = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiter?: () => void;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      while (this.received.length >= 6 && this.received.length >= 6 + this.received.readUInt16BE(4)) {
        const end = 6 + this.received.readUInt16BE(4);
        this.frames.push(this.received.subarray(0, end));
        this.received = this.received.subarray(end);
      }
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    this.closed.then(() => this.waiter?.());
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<ModbusWireClient> {
    const socket = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new ModbusWireClient(socket);
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next reply frame; undefined when none came within `timeoutMs` or the server closed. */
  async nextFrame(timeoutMs = 2_000): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0 && !this.socket.destroyed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.frames.shift();
  }

  /** Sends one request frame and returns the reply frame. */
  async exchange(request: Uint8Array): Promise<Buffer | undefined> {
    this.send(request);
    return this.nextFrame();
  }

  close(): void {
    this.socket.destroy();
  }
}
