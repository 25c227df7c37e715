/**
 * A Modbus RTU master on one line's byte stream (a TCP socket to a serial server, or a serial
 * port), with its own framing, because RTU has no transaction id: nothing in a reply says which
 * request it answers. So a reply is taken only for the request in flight, and only when it can
 * be nothing else:
 *
 * - bytes that arrived before a request went out are never its reply: they are dropped first;
 * - after a timeout (or a garbled reply) the next request waits until the line has been silent
 *   for the inter-frame gap, dropping what still arrives;
 * - a reply must fit its request — unit id, function code, a byte count that matches the
 *   quantity asked for, and the CRC — or the read fails as `frame` or `crc`;
 * - a request that timed out is owed a reply that may still come. Replies come in request order,
 *   so a frame that fits an owed request is taken as its late reply and dropped; one that fits
 *   both an owed request and the request in flight is taken as the owed one, and the request in
 *   flight then waits for the frame behind it. If none comes, nothing tells which request the
 *   frame answered: the read fails (`frame`), and the line waits for a whole timeout of silence
 *   before it is trusted again.
 *
 * A late reply thus costs bad readings, never a value given to the wrong request — unless it
 * comes even later than that timeout of silence; the cure is a `timeout` above the line's worst
 * reply time.
 */
import type { Logger } from '@davy/runtime';
import { readFailure, type ModbusConnection, type ModbusReadError, type ReadRange, type TableData } from '../modbus/index.js';
import { cutReply, describeFrame, fits, readRequest, replyData, replyShape, type ReplyFrame, type ReplyShape } from './rtu-frame.js';
import { openRtuStream, type RtuStream } from './rtu-link.js';
import { lineAddress, type RtuLine } from './rtu-line.js';

/** Owed replies kept at most: the oldest is forgotten first (it is the least likely to come). */
const maxOwed = 8;

/** Silence the line needs before the next request, and whether the owed replies are given up after it. */
interface Settling {
  quietMs: number;
  sinceMs: number;
  forgetOwed: boolean;
}

export class RtuConnection implements ModbusConnection {
  readonly where: string;
  private stream?: RtuStream;
  private closed = false;
  private received: Buffer = Buffer.alloc(0);
  /** performance.now() of the last byte received. */
  private lastByteMs = Number.NEGATIVE_INFINITY;
  private readonly owed: ReplyShape[] = [];
  private settling?: Settling;
  /** Wakes the exchange that waits for bytes, a deadline or the end of the connection. */
  private wake?: () => void;

  /** `timeoutMs`: for connecting, and for reads that name no timeout of their own. */
  constructor(
    private readonly line: RtuLine,
    private readonly gapMs: number,
    private readonly timeoutMs: number,
    private readonly log?: Logger,
  ) {
    this.where = lineAddress(line);
  }

  async connect(): Promise<void> {
    const stream = await openRtuStream(this.line, this.timeoutMs);
    this.stream = stream;
    stream.bytes.on('data', (chunk: Buffer) => {
      this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
      this.lastByteMs = performance.now();
      this.wake?.();
    });
    stream.bytes.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    // Socket and serial port errors end in 'close'; without a listener they would end the process.
    stream.bytes.on('error', () => this.close());
  }

  get isOpen(): boolean {
    return this.stream !== undefined && !this.closed;
  }

  async read(unitId: number, range: ReadRange, timeoutMs = this.timeoutMs): Promise<TableData> {
    if (!this.isOpen) throw readFailure.closed(this.where);
    await this.settle(range, timeoutMs);
    this.dropReceived();
    const shape = replyShape(unitId, range);
    this.stream!.bytes.write(readRequest(unitId, range));
    const deadlineMs = performance.now() + timeoutMs;
    // Set once a frame that fits this request was taken as an owed one's late reply.
    let tookOwed = false;
    for (;;) {
      const cut = cutReply(this.received);
      if (cut === 'unknown') throw this.garbled(readFailure.frame(range, `a reply with function code ${this.received[1]} to a read with ${shape.functionCode}`));
      if (cut !== 'more') {
        this.received = this.received.subarray(cut.bytes.length);
        if (!cut.crcValid) throw this.garbled(readFailure.crc(range));
        const owedIndex = this.owed.findIndex((owed) => fits(cut, owed));
        if (owedIndex >= 0) {
          this.owed.splice(owedIndex, 1);
          this.discarded(cut, 'the late reply to an earlier request');
          tookOwed ||= fits(cut, shape);
          continue;
        }
        if (!fits(cut, shape)) throw this.garbled(readFailure.frame(range, `${describeFrame(cut)}, to a read of unit ${unitId}, function ${shape.functionCode}, ${shape.byteCount} bytes`));
        if (cut.exceptionCode !== undefined) throw readFailure.exception(cut.exceptionCode, range);
        return replyData(cut, range);
      }
      if (this.closed) throw readFailure.lost(this.where);
      if (performance.now() >= deadlineMs) {
        if (tookOwed) {
          this.settling = { quietMs: timeoutMs, sinceMs: performance.now(), forgetOwed: true };
          throw readFailure.frame(range, 'a reply came that may have been the late answer to an earlier request; it was not taken');
        }
        this.owe(shape);
        throw readFailure.timeout(range);
      }
      await this.bytesOrDeadline(deadlineMs);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream?.close();
    this.wake?.();
  }

  /** Waits, dropping what arrives, until the line has been silent as long as the last failure asks. */
  private async settle(range: ReadRange, timeoutMs: number): Promise<void> {
    const settling = this.settling;
    if (!settling) return;
    // A line that never falls silent (a babbling device) fails the read rather than hold the line.
    const giveUpMs = performance.now() + settling.quietMs + timeoutMs;
    for (;;) {
      this.dropReceived();
      const quietUntilMs = Math.max(settling.sinceMs, this.lastByteMs) + settling.quietMs;
      if (performance.now() >= quietUntilMs) break;
      if (performance.now() >= giveUpMs) throw readFailure.frame(range, `the line did not fall silent for ${settling.quietMs} ms before the request`);
      if (this.closed) throw readFailure.lost(this.where);
      await this.bytesOrDeadline(Math.min(quietUntilMs, giveUpMs));
    }
    if (settling.forgetOwed) this.owed.length = 0;
    this.settling = undefined;
  }

  /** Drops what was received, noting the late replies among it. */
  private dropReceived(): void {
    for (;;) {
      const cut = cutReply(this.received);
      if (cut === 'more' || cut === 'unknown' || !cut.crcValid) break;
      this.received = this.received.subarray(cut.bytes.length);
      const owedIndex = this.owed.findIndex((owed) => fits(cut, owed));
      if (owedIndex >= 0) this.owed.splice(owedIndex, 1);
      this.discarded(cut, owedIndex >= 0 ? 'the late reply to an earlier request' : 'a reply to no request in flight');
    }
    if (this.received.length > 0) this.log?.debug('line.discarded', { bytes: this.received.toString('hex'), reason: 'not a whole reply' });
    this.received = Buffer.alloc(0);
  }

  private owe(shape: ReplyShape): void {
    this.owed.push(shape);
    if (this.owed.length > maxOwed) this.owed.shift();
    this.settling = { quietMs: this.gapMs, sinceMs: performance.now(), forgetOwed: false };
  }

  /** After a reply that cannot be read, the line is out of step: the next request waits for the gap's silence. */
  private garbled(error: ModbusReadError): ModbusReadError {
    this.settling = { quietMs: this.gapMs, sinceMs: performance.now(), forgetOwed: false };
    return error;
  }

  private discarded(frame: ReplyFrame, reason: string): void {
    this.log?.debug('line.discarded', { frame: describeFrame(frame), reason });
  }

  private bytesOrDeadline(untilMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(finish, Math.max(0, Math.ceil(untilMs - performance.now())));
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        finish();
      };
    });
  }
}
