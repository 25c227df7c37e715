/**
 * The ingest benchmark's load: G gateways, each on its own gRPC connection and stream, sending
 * batches of 1,000 samples of its 2,000 series with a window of 8 batches in flight, as agents
 * do. Runs in its own process so it does not share the hub's event loop. Prints one JSON line:
 * the samples the hub acked as stored during the measured window, which opens 1 s after every
 * gateway's first ack (its series defined: a one-off that takes seconds for 100 gateways).
 *
 * Usage: load-generator.ts PORT GATEWAYS SECONDS
 */
import { credentials } from '@grpc/grpc-js';
import { UplinkServiceClient, type Ack } from '@davy/proto';
import { batchFor, batchSize } from './load-batches.js';

const [port, gatewayCount, seconds] = process.argv.slice(2).map(Number) as [number, number, number];
const window = 8;
const warmupMs = 1_000;

let phase: 'warmup' | 'measuring' | 'done' = 'warmup';
let stored = 0;
let measuredFromMs = 0;
let ready = 0;
const readyTimeoutMs = 120_000;

function runGateway(index: number): Promise<void> {
  const gateway = `gw-bench-${index}`;
  const client = new UplinkServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  const call = client.stream();
  let round = 0;
  let seq = 1;
  let inFlight = 0;
  let acked = false;
  const send = () => {
    while (inFlight < window && phase !== 'done') {
      call.write(batchFor(gateway, round, seq, round === 0, 0));
      seq += batchSize;
      round += 1;
      inFlight += 1;
    }
    if (inFlight === 0) call.end();
  };
  return new Promise((resolve, reject) => {
    call.on('data', (ack: Ack) => {
      inFlight -= 1;
      if (phase === 'measuring') stored += ack.stored;
      if (!acked) {
        acked = true;
        ready += 1;
        if (ready === gatewayCount) {
          clearTimeout(notReady);
          setTimeout(measure, warmupMs);
        }
      }
      send();
    });
    call.on('end', () => {
      client.close();
      resolve();
    });
    call.on('error', reject);
    send();
  });
}

function measure(): void {
  phase = 'measuring';
  stored = 0;
  measuredFromMs = Date.now();
  setTimeout(() => {
    phase = 'done';
    console.log(JSON.stringify({ stored, seconds: (Date.now() - measuredFromMs) / 1000 }));
  }, seconds * 1000);
}

const notReady = setTimeout(() => {
  console.error(`only ${ready} of ${gatewayCount} gateways had their first ack within ${readyTimeoutMs / 1000} s`);
  process.exit(1);
}, readyTimeoutMs);
notReady.unref();

await Promise.all(Array.from({ length: gatewayCount }, (_, i) => runGateway(i)));
