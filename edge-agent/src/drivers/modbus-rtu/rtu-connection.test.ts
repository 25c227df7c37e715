/**
 * The RTU master's framing against a line this test plays byte by byte (a TCP peer standing in
 * for a serial server): which reply is taken for which request when replies come late, early,
 * damaged or from the wrong slave.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '@davy/runtime';
import { crc16 } from './rtu-frame.js';
import { RtuConnection } from './rtu-connection.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const withCrc = (body: string) => {
  const bytes = hex(body);
  const crc = Buffer.alloc(2);
  crc.writeUInt16LE(crc16(bytes));
  return Buffer.concat([bytes, crc]);
};
/** A slave's reply to a read of one holding register. */
const oneRegister = (unitId: number, value: number) => withCrc(`${unitId.toString(16).padStart(2, '0')} 03 02 ${value.toString(16).padStart(4, '0')}`);
const holding0 = { table: 'holding' as const, start: 0, count: 1 };

/** The line's far end: every request it receives (with when), and a way to send any bytes back. */
class FarEnd {
  readonly requests: Array<{ bytes: Buffer; atMs: number }> = [];
  private socket?: net.Socket;
  private arrived?: () => void;
  private constructor(private readonly server: net.Server) {}

  static async listen(): Promise<FarEnd> {
    const server = net.createServer();
    const end = new FarEnd(server);
    server.on('connection', (socket) => {
      end.socket = socket;
      socket.on('data', (bytes: Buffer) => {
        end.requests.push({ bytes, atMs: performance.now() });
        end.arrived?.();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return end;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Resolves when the `n`-th request has arrived. */
  async request(n: number): Promise<void> {
    while (this.requests.length < n) await new Promise<void>((resolve) => (this.arrived = resolve));
  }

  send(bytes: Buffer): void {
    this.socket!.write(bytes);
  }

  close(): void {
    this.socket?.destroy();
    this.server.close();
  }
}

const open: Array<{ close(): void }> = [];
afterEach(() => {
  for (const item of open.splice(0)) item.close();
});

async function line(gapMs = 4): Promise<{ far: FarEnd; master: RtuConnection }> {
  const far = await FarEnd.listen();
  const master = new RtuConnection({ kind: 'tcp', host: '127.0.0.1', port: far.port }, gapMs, 200);
  open.push(far, master);
  await master.connect();
  return { far, master };
}

describe('RTU master framing', () => {
  it('takes the reply that fits the request, with its data', async () => {
    const { far, master } = await line();
    const reading = master.read(1, { table: 'holding', start: 0, count: 2 });
    await far.request(1);
    expect(far.requests[0]!.bytes).toEqual(withCrc('01 03 0000 0002'));
    far.send(withCrc('01 03 04 1234 abcd'));
    expect(await reading).toEqual(hex('1234 abcd'));
  });

  it('never takes bytes that arrived before the request went out as its reply', async () => {
    const { far, master } = await line();
    // A reply nobody asked for (another master, an echo) waits on the line.
    far.send(oneRegister(1, 99));
    await sleep(50);
    const reading = master.read(1, holding0);
    await far.request(1);
    far.send(oneRegister(1, 7));
    expect(await reading).toEqual(hex('0007'));
  });

  it('takes a late reply that comes behind the next request as the late one\'s, and gives the next its own', async () => {
    const { far, master } = await line();
    await expect(master.read(1, holding0, 50)).rejects.toMatchObject({ kind: 'timeout', message: 'no reply reading holding 0-0' });
    const next = master.read(1, holding0);
    await far.request(2);
    far.send(Buffer.concat([oneRegister(1, 1), oneRegister(1, 2)]));
    expect(await next).toEqual(hex('0002'));
  });

  it('fails a request whose only reply may be the late answer to an earlier one, then waits for a timeout of silence', async () => {
    const { far, master } = await line();
    await expect(master.read(1, holding0, 50)).rejects.toMatchObject({ kind: 'timeout' });
    const next = master.read(1, holding0, 100);
    await far.request(2);
    far.send(oneRegister(1, 1));
    await expect(next).rejects.toMatchObject({
      kind: 'frame',
      message: 'malformed reply reading holding 0-0: a reply came that may have been the late answer to an earlier request; it was not taken',
    });
    const failedAtMs = performance.now();
    const third = master.read(1, holding0);
    await far.request(3);
    // The property is about time: the line stays unused for the 100 ms timeout of silence (the
    // failure is seen here a moment after the master noted it; without the wait it would be ~1 ms).
    expect(far.requests[2]!.atMs - failedAtMs).toBeGreaterThanOrEqual(90);
    far.send(oneRegister(1, 3));
    expect(await third).toEqual(hex('0003'));
  });

  it('after a timeout, waits for the gap\'s silence before the next request, dropping what still arrives', async () => {
    const { far, master } = await line(50);
    await expect(master.read(1, holding0, 30)).rejects.toMatchObject({ kind: 'timeout' });
    // Another slave's read: no reply it gets could be unit 1's late one.
    const next = master.read(2, holding0);
    // Bytes keep coming for 60 ms after the timeout: a reply's tail, noise.
    let lastNoiseMs = 0;
    for (let i = 0; i < 4; i += 1) {
      lastNoiseMs = performance.now();
      far.send(hex('ff 00'));
      await sleep(20);
    }
    await far.request(2);
    // The property is about time: the request leaves only after 50 ms without a byte.
    expect(far.requests[1]!.atMs - lastNoiseMs).toBeGreaterThanOrEqual(50);
    far.send(oneRegister(2, 5));
    expect(await next).toEqual(hex('0005'));
  });

  it('drops the late reply of another slave and takes the reply of the one asked', async () => {
    const { far, master } = await line();
    await expect(master.read(2, holding0, 50)).rejects.toMatchObject({ kind: 'timeout' });
    const reading = master.read(3, holding0);
    await far.request(2);
    far.send(Buffer.concat([oneRegister(2, 20), oneRegister(3, 30)]));
    expect(await reading).toEqual(hex('001e'));
  });

  it.each([
    ['from another slave', oneRegister(2, 1), 'frame', 'malformed reply reading holding 0-0: unit 2, function 3, 2 bytes, to a read of unit 1, function 3, 2 bytes'],
    ['of another size', withCrc('01 03 04 0001 0002'), 'frame', 'malformed reply reading holding 0-0: unit 1, function 3, 4 bytes, to a read of unit 1, function 3, 2 bytes'],
    ['with a bad CRC', Buffer.concat([hex('01 03 02 0001'), hex('0000')]), 'crc', 'reply with a bad CRC reading holding 0-0 (line noise, a wrong baud rate or parity, or two devices with one unit id)'],
    ['of an exception', withCrc('01 83 06'), 'exception', 'exception 6 (server device busy) reading holding 0-0'],
    ['of a function no read gets back', withCrc('01 10 0000 0001'), 'frame', 'malformed reply reading holding 0-0: a reply with function code 16 to a read with 3'],
  ])('fails a reply %s, and the next request gets its own', async (_what, reply, kind, message) => {
    const { far, master } = await line();
    const reading = master.read(1, holding0);
    await far.request(1);
    far.send(reply);
    await expect(reading).rejects.toMatchObject({ kind, message });
    const next = master.read(1, holding0);
    await far.request(2);
    far.send(oneRegister(1, 8));
    expect(await next).toEqual(hex('0008'));
  });

  it('fails the request in flight at once when the line closes', async () => {
    const { far, master } = await line();
    const where = master.where;
    const reading = master.read(1, holding0, 5_000);
    await far.request(1);
    far.close();
    await expect(reading).rejects.toMatchObject({ kind: 'connection', message: `the connection to ${where} closed` });
    await expect(master.read(1, holding0)).rejects.toMatchObject({ message: `the connection to ${where} is closed` });
  });
});
