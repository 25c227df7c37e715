/**
 * The ingest benchmark's load over NATS JetStream: G gateways publish batches of 1,000 samples of
 * their 2,000 series to their subjects of the telemetry stream, as agents do (a message id each,
 * each batch naming the one before it, up to 8 awaiting the stream's ack), and keep at most a
 * few batches ahead of what the hub has stored, so the publishers do not take the cores the hub
 * needs. What the hub stored is read from the watermark bucket: every record is numbered, so a
 * watermark's rise is exactly the records stored. Prints one JSON line: the samples stored during
 * the measured window, which opens 1 s after every gateway's first batch is stored.
 *
 * Usage: nats-load-generator.ts NATS_URL GATEWAYS SECONDS
 */
import { Batch, batchMessageId, decodeWatermarkEntry, telemetrySubject, watermarkBucket, watermarkKey } from '@davy/proto';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { batchFor, batchSize } from './load-batches.js';

const [url, gatewayArg, secondsArg] = process.argv.slice(2) as [string, string, string];
const gatewayCount = Number(gatewayArg);
const seconds = Number(secondsArg);
const window = 8;
/** Batches a gateway may be ahead of the hub's watermark. */
const aheadLimit = 16;
const warmupMs = 1_000;
const readyTimeoutMs = 120_000;

const connection = await connect({ servers: url });
const js = jetstream(connection);
const kv = await new Kvm(connection).open(watermarkBucket);
let phase: 'warmup' | 'measuring' | 'done' = 'warmup';

async function watermarkOf(gateway: string): Promise<number> {
  const entry = await kv.get(watermarkKey(gateway, `bench-${gateway}`));
  return entry ? (decodeWatermarkEntry(entry.string())?.watermark ?? 0) : 0;
}

class Gateway {
  readonly name: string;
  private round = 0;
  private nextSeq = 1;
  private inFlight = 0;
  watermark = 0;

  constructor(index: number) {
    this.name = `gw-bench-${index}`;
  }

  /** Publishes while the window has room and the hub is not too far behind. */
  pump(): void {
    while (phase !== 'done' && this.inFlight < window && this.nextSeq - 1 - this.watermark < aheadLimit * batchSize) {
      const previousSeq = this.nextSeq - 1;
      const batch = batchFor(this.name, this.round, this.nextSeq, this.round === 0, previousSeq);
      this.nextSeq += batchSize;
      this.round += 1;
      this.inFlight += 1;
      const id = batchMessageId(this.name, batch.outboxId, previousSeq, this.nextSeq - 1);
      js.publish(telemetrySubject(this.name), Batch.encode(batch).finish(), { msgID: id, timeout: 30_000 }).then(
        () => {
          this.inFlight -= 1;
          this.pump();
        },
        (error: unknown) => {
          console.error(`${this.name}: the stream did not take a batch: ${String(error)}`);
          process.exit(1);
        },
      );
    }
  }
}

const gateways = Array.from({ length: gatewayCount }, (_, i) => new Gateway(i));
for (const gateway of gateways) gateway.pump();

/** Reads every gateway's watermark and lets the ones that fell behind publish on. */
async function poll(): Promise<number[]> {
  const marks = await Promise.all(gateways.map((gateway) => watermarkOf(gateway.name)));
  gateways.forEach((gateway, i) => {
    gateway.watermark = marks[i]!;
    gateway.pump();
  });
  return marks;
}

const readyBy = Date.now() + readyTimeoutMs;
for (;;) {
  const marks = await poll();
  if (marks.every((mark) => mark > 0)) break;
  if (Date.now() > readyBy) {
    console.error(`only ${marks.filter((mark) => mark > 0).length} of ${gatewayCount} gateways had a batch stored within ${readyTimeoutMs / 1000} s`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const warmupEnds = Date.now() + warmupMs;
while (Date.now() < warmupEnds) {
  await poll();
  await new Promise((resolve) => setTimeout(resolve, 50));
}
phase = 'measuring';
const startMarks = await poll();
const measuredFromMs = Date.now();
const endsAt = measuredFromMs + seconds * 1000;
while (Date.now() < endsAt) {
  await poll();
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const endMarks = await poll();
const measuredSeconds = (Date.now() - measuredFromMs) / 1000;
phase = 'done';
const stored = endMarks.reduce((sum, mark, i) => sum + (mark - startMarks[i]!), 0);
console.log(JSON.stringify({ stored, seconds: measuredSeconds }));
await connection.close();
