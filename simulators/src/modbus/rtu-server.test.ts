/**
 * RTU over TCP as davy-sim serves it, byte for byte: frames cut out of the stream by function
 * code, CRCs checked and written, several slaves on one line, and the faults tests inject.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import { parseFault } from './faults.js';
import type { RequestHooks } from './pdu.js';
import { RegisterBank } from './register-bank.js';
import { rtuFrame } from './rtu-frame.js';
import { serveRtuOverTcp, type RtuServing } from './rtu-server.js';
import { SimulatedLine, type LineSlave } from './simulated-line.js';

const quiet = createLogger({ component: 'davy-sim', sink: { write: () => true } });
const noHooks: RequestHooks = { beforeRead: () => undefined, afterWrite: () => undefined };
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function slave(holding: number[]): LineSlave {
  const bank = new RegisterBank({ coil: 0, discrete: 0, input: 0, holding: holding.length });
  bank.registers.holding.set(Buffer.from(holding.flatMap((value) => [value >> 8, value & 0xff])));
  return { bank, hooks: noHooks };
}

/** A raw TCP client: what it sends and every byte that comes back. */
class WireClient {
  received = Buffer.alloc(0);
  readonly closed: Promise<void>;
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }
  static async connect(port: number): Promise<WireClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    return new WireClient(socket);
  }
  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }
  /** Everything received `ms` after the last send, taken off the buffer. */
  async after(ms = 60): Promise<Buffer> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const all = this.received;
    this.received = Buffer.alloc(0);
    return all;
  }
  close(): void {
    this.socket.destroy();
  }
}

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

async function serve(line: SimulatedLine, lineSpeed?: number): Promise<WireClient> {
  const serving: RtuServing & { port: number } = await serveRtuOverTcp(line, '127.0.0.1', 0, quiet, lineSpeed);
  open.push(serving);
  const client = await WireClient.connect(serving.port);
  open.push(client);
  return client;
}

const read = (unit: number, start: number, count: number) => rtuFrame(unit, hex(`03 ${start.toString(16).padStart(4, '0')} ${count.toString(16).padStart(4, '0')}`));

describe('RTU over TCP', () => {
  it('answers each slave of the line from its own registers, and nobody for a unit not on it', async () => {
    const client = await serve(new SimulatedLine(new Map([[1, slave([0x1234, 0xabcd])], [7, slave([0x0102])]])));
    client.send(read(1, 0, 2));
    expect(await client.after()).toEqual(rtuFrame(1, hex('03 04 1234 abcd')));
    client.send(read(7, 0, 1));
    expect(await client.after()).toEqual(rtuFrame(7, hex('03 02 0102')));
    client.send(read(2, 0, 1));
    client.send(read(0, 0, 1));
    expect(await client.after()).toEqual(Buffer.alloc(0));
    client.send(read(7, 1, 1));
    expect(await client.after()).toEqual(rtuFrame(7, hex('83 02')));
  });

  it('takes requests split across packets or sent together, and ignores one with a bad CRC', async () => {
    const client = await serve(new SimulatedLine(new Map([[1, slave([0x1234, 0xabcd])]])));
    const request = read(1, 1, 1);
    client.send(request.subarray(0, 3));
    expect(await client.after(30)).toEqual(Buffer.alloc(0));
    client.send(request.subarray(3));
    expect(await client.after()).toEqual(rtuFrame(1, hex('03 02 abcd')));
    client.send(Buffer.concat([read(1, 0, 1), read(1, 1, 1)]));
    expect(await client.after()).toEqual(Buffer.concat([rtuFrame(1, hex('03 02 1234')), rtuFrame(1, hex('03 02 abcd'))]));
    const damaged = read(1, 0, 1);
    damaged[damaged.length - 1]! ^= 0x01;
    client.send(damaged);
    expect(await client.after()).toEqual(Buffer.alloc(0));
    client.send(read(1, 0, 2));
    expect(await client.after()).toEqual(rtuFrame(1, hex('03 04 1234 abcd')));
  });

  it('a write of several registers is framed by its byte count', async () => {
    const target = slave([0, 0, 0]);
    const client = await serve(new SimulatedLine(new Map([[3, target]])));
    client.send(rtuFrame(3, hex('10 0001 0002 04 beef cafe')));
    expect(await client.after()).toEqual(rtuFrame(3, hex('10 0001 0002')));
    expect(target.bank.registers.holding).toEqual(new Uint8Array(hex('0000 beef cafe')));
  });

  it('gives a unit its faults: silence, busy, a damaged CRC, every N-th request', async () => {
    const faults = ['1=silent:2', '2=busy', '3=crc:3'].map(parseFault);
    const client = await serve(new SimulatedLine(new Map([1, 2, 3].map((unit) => [unit, slave([unit])])), faults));
    const answers: Buffer[] = [];
    for (const unit of [1, 1, 1, 2, 3, 3, 3]) {
      client.send(read(unit, 0, 1));
      answers.push(await client.after(30));
    }
    const damaged = rtuFrame(3, hex('03 02 0003'));
    damaged[damaged.length - 1]! ^= 0xff;
    expect(answers).toEqual([
      rtuFrame(1, hex('03 02 0001')),
      Buffer.alloc(0),
      rtuFrame(1, hex('03 02 0001')),
      rtuFrame(2, hex('83 06')),
      rtuFrame(3, hex('03 02 0003')),
      rtuFrame(3, hex('03 02 0003')),
      damaged,
    ]);
  });

  it('drops the connection on a drop fault', async () => {
    const client = await serve(new SimulatedLine(new Map([[5, slave([1])]]), [parseFault('5=drop:2')]));
    client.send(read(5, 0, 1));
    expect(await client.after()).toEqual(rtuFrame(5, hex('03 02 0001')));
    client.send(read(5, 0, 1));
    await client.closed;
    expect(client.received).toEqual(Buffer.alloc(0));
  });

  it('holds a late reply, and the replies behind it, for the late fault\'s delay', async () => {
    const client = await serve(new SimulatedLine(new Map([[1, slave([7])]]), [parseFault('1=late:300:2')]));
    const reply = rtuFrame(1, hex('03 02 0007'));
    client.send(read(1, 0, 1));
    expect(await client.after(30)).toEqual(reply);
    client.send(read(1, 0, 1));
    client.send(read(1, 0, 1));
    // The property is about time: nothing in the first 150 ms of the 300 ms delay, then both replies in order.
    expect(await client.after(150)).toEqual(Buffer.alloc(0));
    expect(await client.after(300)).toEqual(Buffer.concat([reply, reply]));
  });

  it('with a line speed, replies as late as the line would carry request and reply', async () => {
    const client = await serve(new SimulatedLine(new Map([[1, slave(new Array<number>(100).fill(7))]])), 9600);
    const started = performance.now();
    client.send(read(1, 0, 100));
    while (client.received.length < 205 && performance.now() - started < 2_000) await new Promise((resolve) => setTimeout(resolve, 5));
    // The property is about time: 8 + 205 bytes of 10 bits at 9600 baud take 221.9 ms on a line.
    expect(performance.now() - started).toBeGreaterThanOrEqual(221);
    expect(client.received.length).toBe(205);
  });
});

describe('faults given on the command line', () => {
  it('reads UNIT=KIND[:EVERY] and names what is wrong', () => {
    expect(parseFault('3=silent')).toEqual({ unitId: 3, kind: 'silent', every: 1 });
    expect(parseFault('12=crc:5')).toEqual({ unitId: 12, kind: 'crc', every: 5 });
    expect(parseFault('1=late:2500')).toEqual({ unitId: 1, kind: 'late', every: 1, delayMs: 2500 });
    expect(parseFault('1=late:2500:3')).toEqual({ unitId: 1, kind: 'late', every: 3, delayMs: 2500 });
    expect(() => parseFault('3=slow')).toThrow('"3=slow" is not UNIT=KIND[:EVERY] with a unit 1-247, KIND one of silent, busy, crc, drop, late and EVERY ≥ 1, e.g. 3=silent, 2=crc:5 or 1=late:2500');
    expect(() => parseFault('1=late')).toThrow(/^"1=late" is not UNIT=KIND/);
    expect(() => parseFault('2=crc:5:1')).toThrow(/^"2=crc:5:1" is not UNIT=KIND/);
    expect(() => parseFault('0=silent')).toThrow(/^"0=silent" is not UNIT=KIND/);
    expect(() => parseFault('4=busy:0')).toThrow(/^"4=busy:0" is not UNIT=KIND/);
  });
});
