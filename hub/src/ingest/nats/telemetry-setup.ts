/**
 * What the hub sets up on the NATS server, the same on every start and from every replica: the
 * telemetry stream, the one durable consumer all replicas share, and the watermark bucket.
 * Setting up what already exists changes nothing.
 */
import { AckPolicy, DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { hubConsumer, telemetryStream, telemetrySubjects, watermarkBucket } from '@davy/proto';

const nanos = (ms: number) => ms * 1_000_000;

/**
 * How long a delivered batch may go unacked (a replica killed mid-commit) before another replica
 * gets it; meanwhile that gateway's later batches are held back. A commit takes well under a
 * second (at most 200,000 samples a transaction).
 */
export const ackWaitMs = 10_000;

export async function setUpTelemetry(connection: NatsConnection, jsm: JetStreamManager): Promise<KV> {
  const stream = {
    name: telemetryStream,
    subjects: [telemetrySubjects],
    storage: StorageType.File,
    // A batch leaves the stream once a hub has stored and acked it.
    retention: RetentionPolicy.Workqueue,
    // When the stream is full, agents are refused and keep their records in their outboxes
    // (bounded, with gaps reported), instead of the stream dropping records silently.
    discard: DiscardPolicy.New,
    // Resends of one batch within this window are stored once.
    duplicate_window: nanos(120_000),
  };
  const existing = await jsm.streams.info(telemetryStream).catch(() => undefined);
  if (existing) await jsm.streams.update(telemetryStream, { subjects: stream.subjects, duplicate_window: stream.duplicate_window });
  else await jsm.streams.add(stream);
  // Batches out at once across all replicas: bounds memory (each holds up to a thousand records).
  const limits = { ack_wait: nanos(ackWaitMs), max_ack_pending: 512 };
  const consumer = await jsm.consumers.info(telemetryStream, hubConsumer).catch(() => undefined);
  if (consumer) await jsm.consumers.update(telemetryStream, hubConsumer, limits);
  else await jsm.consumers.add(telemetryStream, { durable_name: hubConsumer, ack_policy: AckPolicy.Explicit, ...limits });
  return new Kvm(connection).create(watermarkBucket, { history: 1 });
}
