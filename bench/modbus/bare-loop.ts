/**
 * The raw ceiling of the Modbus benchmark: a bare modbus-serial client per device, reading the
 * same 125-register blocks the agent's planner asks for, back to back, with nothing done to the
 * replies (no decoding, no pipeline, no outbox). Whatever the agent adds shows as the gap to this.
 */
import { createRequire } from 'node:module';

/** The part of modbus-serial's client (ModbusRTU) the bare loop uses. */
interface BareClient {
  connectTCP(ip: string, options: { port: number }): Promise<void>;
  setID(id: number): void;
  setTimeout(duration: number): void;
  readHoldingRegisters(address: number, length: number): Promise<{ buffer: Buffer }>;
  destroy(callback?: () => void): void;
}

// modbus-serial is a dependency of @davy/edge-agent, not of the workspace root, and pnpm hoists
// nothing: from bench/ neither `import 'modbus-serial'` nor its types resolve. So the module is
// required through edge-agent's package.json (found relative to this file, not by an absolute
// path), which gives the very copy the agent's driver uses, and typed by the interface above.
const requireFromAgent = createRequire(new URL('../../edge-agent/package.json', import.meta.url));
const ModbusRTU = (requireFromAgent('modbus-serial') as { default: new () => BareClient }).default;

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
      const client = new ModbusRTU();
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
