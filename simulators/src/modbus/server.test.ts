import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@davy/runtime';
import type { ModbusTable } from '@davy/edge-agent/modbus';
import { frame, ModbusWireClient } from '../../test/modbus-wire-client.js';
import type { RequestHooks } from './pdu.js';
import { addressSpace, RegisterBank } from './register-bank.js';
import { ModbusTcpServer } from './server.js';

const quiet = createLogger({ component: 'davy-sim', sink: { write: () => true } });

class RecordedHooks implements RequestHooks {
  readonly calls: Array<[string, ModbusTable, number, number]> = [];
  beforeRead(table: ModbusTable, start: number, count: number): void {
    this.calls.push(['read', table, start, count]);
  }
  afterWrite(table: ModbusTable, start: number, count: number): void {
    this.calls.push(['write', table, start, count]);
  }
}

/** Holding spans the whole address space (reads past 65535 are the edge); input is 10 registers. */
function testBank(): RegisterBank {
  const bank = new RegisterBank({ coil: 20, discrete: 8, input: 10, holding: addressSpace });
  bank.registers.holding.set([0x12, 0x34, 0xab, 0xcd]);
  bank.registers.input.set([0x01, 0x02, 0x03, 0x04]);
  bank.bits.coil.set([1, 0, 1, 1, 0, 0, 0, 0, 1, 0]);
  bank.bits.discrete.set([0, 1, 0]);
  return bank;
}

describe('Modbus TCP server', () => {
  let server: ModbusTcpServer;
  let client: ModbusWireClient;
  let hooks: RecordedHooks;
  let bank: RegisterBank;

  beforeAll(async () => {
    hooks = new RecordedHooks();
    bank = testBank();
    server = await ModbusTcpServer.listen({ bank, hooks, logger: quiet });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    client?.close();
    client = await ModbusWireClient.connect(server.port);
    hooks.calls.length = 0;
  });

  it('listens on loopback by default', () => {
    expect(server.host).toBe('127.0.0.1');
  });

  it('FC 3 and FC 4 return the stored register bytes', async () => {
    expect(await client.exchange(frame(1, 1, [0x03, 0, 0, 0, 2]))).toEqual(frame(1, 1, [0x03, 4, 0x12, 0x34, 0xab, 0xcd]));
    expect(await client.exchange(frame(2, 9, [0x04, 0, 1, 0, 1]))).toEqual(frame(2, 9, [0x04, 2, 0x03, 0x04]));
    expect(hooks.calls).toEqual([
      ['read', 'holding', 0, 2],
      ['read', 'input', 1, 1],
    ]);
  });

  it('FC 3 answers 125 registers', async () => {
    const reply = await client.exchange(frame(3, 1, [0x03, 0, 0, 0, 125]));
    expect(reply?.length).toBe(9 + 250);
    expect([...reply!.subarray(7, 13)]).toEqual([0x03, 250, 0x12, 0x34, 0xab, 0xcd]);
  });

  it('FC 1 and FC 2 pack bits, first bit in the lowest bit of the first byte', async () => {
    expect(await client.exchange(frame(4, 1, [0x01, 0, 0, 0, 10]))).toEqual(frame(4, 1, [0x01, 2, 0b0000_1101, 0b01]));
    expect(await client.exchange(frame(5, 1, [0x02, 0, 0, 0, 3]))).toEqual(frame(5, 1, [0x02, 1, 0b010]));
  });

  it('FC 5 writes a coil, then FC 1 reads it back', async () => {
    expect(await client.exchange(frame(6, 1, [0x05, 0, 5, 0xff, 0x00]))).toEqual(frame(6, 1, [0x05, 0, 5, 0xff, 0x00]));
    expect(await client.exchange(frame(7, 1, [0x01, 0, 4, 0, 2]))).toEqual(frame(7, 1, [0x01, 1, 0b10]));
    expect(await client.exchange(frame(8, 1, [0x05, 0, 5, 0x00, 0x00]))).toEqual(frame(8, 1, [0x05, 0, 5, 0x00, 0x00]));
    expect(await client.exchange(frame(9, 1, [0x01, 0, 5, 0, 1]))).toEqual(frame(9, 1, [0x01, 1, 0]));
    expect(hooks.calls.filter(([kind]) => kind === 'write')).toEqual([
      ['write', 'coil', 5, 1],
      ['write', 'coil', 5, 1],
    ]);
  });

  it('FC 6 writes a register, then FC 3 reads it back', async () => {
    expect(await client.exchange(frame(10, 1, [0x06, 0, 7, 0xbe, 0xef]))).toEqual(frame(10, 1, [0x06, 0, 7, 0xbe, 0xef]));
    expect(await client.exchange(frame(11, 1, [0x03, 0, 7, 0, 1]))).toEqual(frame(11, 1, [0x03, 2, 0xbe, 0xef]));
  });

  it('FC 15 writes coils, then FC 1 reads them back', async () => {
    expect(await client.exchange(frame(12, 1, [0x0f, 0, 10, 0, 10, 2, 0xcd, 0x01]))).toEqual(frame(12, 1, [0x0f, 0, 10, 0, 10]));
    expect(await client.exchange(frame(13, 1, [0x01, 0, 10, 0, 10]))).toEqual(frame(13, 1, [0x01, 2, 0xcd, 0x01]));
    expect([...bank.bits.coil.subarray(10, 20)]).toEqual([1, 0, 1, 1, 0, 0, 1, 1, 1, 0]);
  });

  it('FC 16 writes registers, then FC 3 reads them back', async () => {
    expect(await client.exchange(frame(14, 1, [0x10, 0, 20, 0, 2, 4, 0, 10, 1, 2]))).toEqual(frame(14, 1, [0x10, 0, 20, 0, 2]));
    expect(await client.exchange(frame(15, 1, [0x03, 0, 20, 0, 2]))).toEqual(frame(15, 1, [0x03, 4, 0, 10, 1, 2]));
    expect(hooks.calls[0]).toEqual(['write', 'holding', 20, 2]);
  });

  it.each([
    ['FC 7 (not served)', [0x07], [0x87, 0x01]],
    ['FC 43 (not served)', [0x2b, 0x0e, 0x01, 0x00], [0xab, 0x01]],
    ['FC 4 past the served input registers', [0x04, 0, 9, 0, 2], [0x84, 0x02]],
    ['FC 3 past address 65535', [0x03, 0xff, 0xff, 0, 2], [0x83, 0x02]],
    ['FC 2 past the served discrete inputs', [0x02, 0, 0, 0, 9], [0x82, 0x02]],
    ['FC 5 past the served coils', [0x05, 0, 20, 0xff, 0x00], [0x85, 0x02]],
    ['FC 3 of 0 registers', [0x03, 0, 0, 0, 0], [0x83, 0x03]],
    ['FC 3 of 126 registers', [0x03, 0, 0, 0, 126], [0x83, 0x03]],
    ['FC 4 of 126 registers (value checked before address)', [0x04, 0, 0, 0, 126], [0x84, 0x03]],
    ['FC 1 of 2001 coils', [0x01, 0, 0, 0x07, 0xd1], [0x81, 0x03]],
    ['FC 1 of 0 coils', [0x01, 0, 0, 0, 0], [0x81, 0x03]],
    ['FC 3 cut short', [0x03, 0, 0], [0x83, 0x03]],
    ['FC 5 with a value other than 0xFF00 or 0', [0x05, 0, 1, 0x12, 0x34], [0x85, 0x03]],
    ['FC 15 whose byte count does not match its quantity', [0x0f, 0, 0, 0, 10, 1, 0xff], [0x8f, 0x03]],
    ['FC 16 whose byte count does not match its quantity', [0x10, 0, 0, 0, 2, 2, 0, 1], [0x90, 0x03]],
    ['FC 16 of 0 registers', [0x10, 0, 0, 0, 0, 0], [0x90, 0x03]],
    ['FC 15 of 1969 coils', [0x0f, 0, 0, 0x07, 0xb1, 247, ...new Array<number>(247).fill(0)], [0x8f, 0x03]],
  ])('%s is answered with its exception code', async (_, pdu, reply) => {
    expect(await client.exchange(frame(20, 1, pdu))).toEqual(frame(20, 1, reply));
    expect(hooks.calls).toEqual([]);
  });

  it('answers two requests pipelined in one write, each with its transaction id', async () => {
    client.send(Buffer.concat([frame(0x0102, 1, [0x03, 0, 0, 0, 1]), frame(0x0103, 2, [0x04, 0, 0, 0, 1])]));
    expect(await client.nextFrame()).toEqual(frame(0x0102, 1, [0x03, 2, 0x12, 0x34]));
    expect(await client.nextFrame()).toEqual(frame(0x0103, 2, [0x04, 2, 0x01, 0x02]));
  });

  it('answers a request split across two writes once its last byte arrives', async () => {
    const request = frame(0xbeef, 1, [0x03, 0, 1, 0, 1]);
    client.send(request.subarray(0, 5));
    expect(await client.nextFrame(150)).toBeUndefined();
    client.send(request.subarray(5));
    expect(await client.nextFrame()).toEqual(frame(0xbeef, 1, [0x03, 2, 0xab, 0xcd]));
  });

  it('answers a burst of 500 requests with frames split at random places, in order', async () => {
    const requests = Buffer.concat(Array.from({ length: 500 }, (_, i) => frame(i, 1, [0x03, 0, 0, 0, 1])));
    for (let at = 0; at < requests.length; at += 1 + (at % 13)) client.send(requests.subarray(at, at + 1 + (at % 13)));
    for (let i = 0; i < 500; i += 1) expect(await client.nextFrame()).toEqual(frame(i, 1, [0x03, 2, 0x12, 0x34]));
  });

  it('serves several connections at once', async () => {
    const others = await Promise.all([1, 2, 3].map(() => ModbusWireClient.connect(server.port)));
    const replies = await Promise.all(others.map((other, i) => other.exchange(frame(100 + i, 1, [0x04, 0, 0, 0, 2]))));
    expect(replies).toEqual([100, 101, 102].map((id) => frame(id, 1, [0x04, 4, 0x01, 0x02, 0x03, 0x04])));
    expect(server.connectionCount).toBe(4);
    for (const other of others) other.close();
  });

  it('ignores a frame whose protocol id is not 0, and answers the next', async () => {
    const foreign = frame(30, 1, [0x03, 0, 0, 0, 1]);
    foreign.writeUInt16BE(1, 2);
    client.send(Buffer.concat([foreign, frame(31, 1, [0x03, 0, 0, 0, 1])]));
    expect(await client.nextFrame()).toEqual(frame(31, 1, [0x03, 2, 0x12, 0x34]));
  });

  it('closes a connection whose frame length is impossible', async () => {
    const broken = frame(32, 1, [0x03, 0, 0, 0, 1]);
    broken.writeUInt16BE(300, 4);
    client.send(broken);
    expect(await client.nextFrame()).toBeUndefined();
    await client.closed;
  });
});

describe('Modbus TCP server with a unit id', () => {
  it('answers only its unit id and gives other unit ids no reply', async () => {
    const server = await ModbusTcpServer.listen({ bank: testBank(), hooks: new RecordedHooks(), unitId: 5, logger: quiet });
    const client = await ModbusWireClient.connect(server.port);
    client.send(Buffer.concat([frame(1, 1, [0x03, 0, 0, 0, 1]), frame(2, 5, [0x03, 0, 0, 0, 1]), frame(3, 0, [0x03, 0, 0, 0, 1])]));
    expect(await client.nextFrame()).toEqual(frame(2, 5, [0x03, 2, 0x12, 0x34]));
    expect(await client.nextFrame(200)).toBeUndefined();
    client.close();
    await server.close();
  });
});
