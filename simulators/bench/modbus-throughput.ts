/**
 * How many FC 3 reads of 125 registers `davy-sim modbus` answers per second to one client on
 * one connection, with 1 and with 8 requests in flight. The simulator runs as its own process
 * (as in agent benchmarks), so client and server do not share a core.
 *
 *   pnpm exec tsx --conditions=source simulators/bench/modbus-throughput.ts [seconds per run, default 5]
 */
import net from 'node:net';
import { ManagedProcess } from '@davy/runtime/testing';

const registers = 125;
const replyBytes = 7 + 2 + registers * 2;
const secondsPerRun = Number(process.argv[2] ?? 5);

function request(transactionId: number): Buffer {
  const frame = Buffer.from([0, 0, 0, 0, 0, 6, 1, 0x03, 0, 0, 0, registers]);
  frame.writeUInt16BE(transactionId & 0xffff, 0);
  return frame;
}

/** Keeps `depth` requests in flight for `seconds` and counts the replies. */
async function measure(port: number, depth: number, seconds: number): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  let sent = 0;
  let receivedBytes = 0;
  let answered = 0;
  let running = true;
  const send = (count: number) => {
    const frames: Buffer[] = [];
    for (let i = 0; i < count; i += 1) frames.push(request(sent++));
    socket.write(count === 1 ? frames[0]! : Buffer.concat(frames));
  };
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      // Every reply must be a full FC 3 answer, or counting bytes would count exceptions as reads.
      for (let at = (replyBytes - (receivedBytes % replyBytes)) % replyBytes + 7; at < chunk.length; at += replyBytes) {
        if (chunk[at] !== 0x03) throw new Error(`reply ${Math.floor((receivedBytes + at) / replyBytes)} is not an FC 3 answer`);
      }
      receivedBytes += chunk.length;
      const complete = Math.floor(receivedBytes / replyBytes);
      const fresh = complete - answered;
      answered = complete;
      if (running && fresh > 0) send(fresh);
      else if (!running && answered === sent) resolve();
    });
  });
  const startedMs = performance.now();
  send(depth);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  running = false;
  const elapsedS = (performance.now() - startedMs) / 1000;
  const answeredInTime = answered;
  await done;
  socket.destroy();
  return answeredInTime / elapsedS;
}

const sim = ManagedProcess.davy('simulators', ['modbus', '--profile', 'three-phase-meter', '--port', '0', '--table-size', String(registers)]);
try {
  const { port } = await sim.waitForEvent('modbus.listening');
  await measure(port as number, 8, 1); // warm-up: JIT both sides
  for (const depth of [1, 8]) {
    const perS = await measure(port as number, depth, secondsPerRun);
    console.log(JSON.stringify({ bench: 'davy-sim modbus FC3 x125 registers, one connection', inFlight: depth, requestsPerS: Math.round(perS) }));
  }
} finally {
  await sim.stop();
}
