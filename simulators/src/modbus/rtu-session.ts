/**
 * A simulated RTU line on one byte stream — a TCP connection (RTU over TCP) or a serial device
 * (a pty end of a socat pair): request frames cut out of the stream by their function code,
 * checked by CRC (a damaged request is ignored, as a slave does), answered one at a time in
 * arrival order. With `lineSpeed`, each reply leaves as late as a serial line at that speed
 * would deliver it (8N1: 10 bits a byte, request and reply both on the wire).
 */
import type { Duplex } from 'node:stream';
import { sleep, type Logger } from '@davy/runtime';
import { hasValidCrc, requestFrameBytes } from './rtu-frame.js';
import type { SimulatedLine } from './simulated-line.js';

/** A request that has not all arrived after this long is dropped (a slave's 3.5-character timer, generously). */
const partialFrameMs = 100;
const bitsPerByte = 10;

/** Milliseconds of wall clock, with fractions, for comparing exchanges across log lines. */
const clockMs = () => performance.timeOrigin + performance.now();

export class RtuSession {
  private buffer: Buffer = Buffer.alloc(0);
  private partialTimer?: NodeJS.Timeout;
  /** Replies leave in request order, even when a line delay holds one back. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly stream: Duplex,
    private readonly line: SimulatedLine,
    private readonly log: Logger,
    private readonly lineSpeed?: number,
  ) {
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  private receive(chunk: Buffer): void {
    clearTimeout(this.partialTimer);
    const receivedMs = clockMs();
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const length = requestFrameBytes(this.buffer);
      const bytes = length === 'rest' ? this.buffer.length : length;
      if (bytes === 'more' || bytes > this.buffer.length) break;
      const frame = this.buffer.subarray(0, bytes);
      this.buffer = this.buffer.subarray(bytes);
      if (!hasValidCrc(frame)) {
        // No way to tell where the next frame starts: drop what arrived, as the silence after it would.
        this.log.warn('modbus.bad_request', { bytes: frame.toString('hex'), reason: 'CRC does not match' });
        this.buffer = Buffer.alloc(0);
        break;
      }
      this.chain = this.chain.then(() => this.answer(frame, receivedMs));
    }
    if (this.buffer.length > 0) {
      this.partialTimer = setTimeout(() => {
        this.log.warn('modbus.bad_request', { bytes: this.buffer.toString('hex'), reason: `incomplete after ${partialFrameMs} ms` });
        this.buffer = Buffer.alloc(0);
      }, partialFrameMs);
    }
  }

  private async answer(request: Buffer, receivedMs: number): Promise<void> {
    const unitId = request[0]!;
    const answer = this.line.answer(unitId, request.subarray(1, request.length - 2));
    const exchange = { unitId, functionCode: request[1], receivedMs };
    if (answer.kind === 'drop') {
      this.log.info('modbus.fault', { ...exchange, fault: 'drop' });
      this.stream.destroy();
      return;
    }
    if (answer.kind === 'none') {
      this.log.debug('modbus.exchange', { ...exchange, reply: 'none', fault: answer.fault });
      return;
    }
    const lineMs = this.lineSpeed === undefined ? 0 : ((request.length + answer.frame.length) * bitsPerByte * 1000) / this.lineSpeed;
    // Held in the chain: the replies to the requests behind it wait too, as on a slow link.
    if (lineMs + (answer.delayMs ?? 0) > 0) await sleep(lineMs + (answer.delayMs ?? 0));
    if (this.stream.destroyed) return;
    // Taken before the write: the reply cannot leave earlier than this.
    const repliedMs = clockMs();
    this.stream.write(answer.frame);
    this.log.debug('modbus.exchange', { ...exchange, repliedMs, reply: answer.frame[1]! & 0x80 ? 'exception' : 'data', fault: answer.fault });
  }

  close(): void {
    clearTimeout(this.partialTimer);
    this.stream.destroy();
  }
}
