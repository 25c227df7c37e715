/**
 * The raw ceiling of the Modbus benchmark: a bare modbus-serial client per device, reading the
 * same 125-register blocks the agent's planner asks for, back to back, with nothing done to the
 * replies (no decoding, no pipeline, no outbox). Whatever the agent adds shows as the gap to this.
 */
import Modbus from 'modbus-serial';

export interface BlockRead {
  start: number;
  count: number;
}

export interface BareLoad {
  /** Registers read so far (successful reads only). */
  registers(): number;
  requests(): number;
  errors(): number;
  stop(): Promise<void>;
}

/**
 * Connects one client per port, then reads `blocks` in turn on each, back to back, until stop(),
 * `maxMs`, or `maxRequests` per client, whichever comes first.
 */
export async function startBareLoops(host: string, ports: readonly number[], blocks: readonly BlockRead[], limits: { maxMs: number; maxRequests: number }): Promise<BareLoad> {
  const clients = await Promise.all(
    ports.map(async (port) => {
      const client = new Modbus.default();
      client.setID(1);
      client.setTimeout(1000);
      await client.connectTCP(host, { port });
      return client;
    }),
  );
  let registers = 0;
  let requests = 0;
  let errors = 0;
  let stopped = false;
  const deadline = performance.now() + limits.maxMs;
  const loops = clients.map(async (client) => {
    for (let i = 0; i < limits.maxRequests && !stopped && performance.now() < deadline; i++) {
      const block = blocks[i % blocks.length]!;
      requests += 1;
      try {
        await client.readHoldingRegisters(block.start, block.count);
        registers += block.count;
      } catch {
        errors += 1;
      }
    }
  });
  return {
    registers: () => registers,
    requests: () => requests,
    errors: () => errors,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      await Promise.all(clients.map((client) => new Promise<void>((resolve) => client.destroy(() => resolve()))));
    },
  };
}
