/**
 * NATS JetStream ingest: the hub pulls gateways' batches from the telemetry stream through the
 * durable consumer every replica shares, commits them through the commit queue, and acks each
 * message only after its commit — a hub killed before that leaves it to be delivered again (to
 * any replica), and the watermark skips what was stored. After each commit the outbox's
 * watermark goes to the bucket its agent watches. A batch that comes before the records it
 * follows is held back, its ack wait renewed, and stored once they are in.
 *
 * A NATS server that is not there at start costs one line per attempt, naming the URL and the
 * cause, and the hub keeps trying while it serves its API; later outages are the client's to
 * ride out (it reconnects by itself, and consuming resumes).
 */
import { Batch, hubConsumer, telemetryStream, telemetrySubject, watermarkKey } from '@davy/proto';
import { Backoff, connectFailure, errorMessage, sleep, type Logger } from '@davy/runtime';
import { jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { IngestBatch, IngestResult } from '../../store/store.js';
import { BatchRejected, checkBatch } from '../batch-check.js';
import type { CommitQueue } from '../commit-queue.js';
import { HeldBack } from './held-back.js';
import { ackWaitMs, setUpTelemetry } from './telemetry-setup.js';
import { WatermarkBoard } from './watermark-board.js';

export interface NatsIngestOptions {
  /** nats://host:port, one or more. */
  servers: string[];
  queue: CommitQueue;
  log: Logger;
  /** First and longest wait between connect attempts at start. */
  retry?: { initialMs: number; maxMs: number };
  /** How long an outbox may stay held back before its agent is asked to resend; default twice the ack wait. */
  resendAfterMs?: number;
}

export interface NatsIngest {
  close(): Promise<void>;
}

/**
 * A held-back batch waits here, its ack wait renewed, and is tried again as soon as a batch of
 * its outbox is stored here, or after this long (when another replica stores the one before it).
 */
const heldBackRecheckMs = 100;
/**
 * Held-back batches a hub keeps, per outbox and in all: each counts against the consumer's 512
 * batches out at once, and a hub that held them all would be handed nothing new — not even the
 * batches they wait for. Beyond these, an early batch is dropped from the stream: its agent still
 * holds its records (until the watermark passes them) and sends them again when asked.
 */
const maxHeldBackPerOutbox = 64;
const maxHeldBack = 256;
/** A batch whose commit failed comes again after this long. */
const failedRetryMs = 2_000;
/** How often what the hub took from the stream is logged (when it took anything). */
const statsIntervalMs = 5_000;

export function startNatsIngest(options: NatsIngestOptions): NatsIngest {
  const stopping = new AbortController();
  let connection: NatsConnection | undefined;
  let messages: ConsumerMessages | undefined;
  const running = (async () => {
    connection = await connectWithRetry(options, stopping.signal);
    if (!connection) return;
    watchConnection(connection, options.log);
    const board = new WatermarkBoard(options.log);
    const handler = new MessageHandler(options.queue, board, new HeldBack(options.resendAfterMs ?? 2 * ackWaitMs), options.log);
    const stats = setInterval(() => handler.logStats(), statsIntervalMs);
    const backoff = new Backoff(options.retry ?? { initialMs: 1_000, maxMs: 30_000 });
    try {
      // Set up and consume until stopped; again after a setup that failed (JetStream not ready, not
      // enabled) or a stream or consumer that vanished (a NATS server that lost its store).
      while (!stopping.signal.aborted) {
        try {
          board.use(await setUpTelemetry(connection, await jetstreamManager(connection)));
          const consumer = await jetstream(connection).consumers.get(telemetryStream, hubConsumer);
          if (stopping.signal.aborted) break;
          messages = await consumer.consume({ max_messages: 256, abort_on_missing_resource: true });
          options.log.info('nats.consuming', { servers: options.servers, stream: telemetryStream, consumer: hubConsumer });
          backoff.reset();
          for await (const message of messages) handler.handle(message);
          if (!stopping.signal.aborted) throw new Error(`the stream ${telemetryStream} or its consumer ${hubConsumer} is gone`);
        } catch (error) {
          if (stopping.signal.aborted) break;
          const retryInMs = Math.round(backoff.nextDelayMs());
          options.log.warn('nats.setup_failed', {
            servers: options.servers.join(','),
            error: errorMessage(error),
            retryInMs,
            hint: 'nats-server must run with JetStream (-js) and room for the stream; the hub sets it up again and goes on',
          });
          await sleep(retryInMs, stopping.signal);
        }
      }
      await handler.settled();
    } finally {
      clearInterval(stats);
      handler.logStats();
    }
  })().catch((error: unknown) => {
    options.log.error('nats.ingest_failed', { servers: options.servers, error: errorMessage(error) });
  });
  return {
    close: async () => {
      stopping.abort();
      // Stops pulling; the loop then waits for the batches it holds to be committed and acked.
      messages?.stop();
      await running;
      await connection?.close();
    },
  };
}

async function connectWithRetry(options: NatsIngestOptions, signal: AbortSignal): Promise<NatsConnection | undefined> {
  const backoff = new Backoff(options.retry ?? { initialMs: 1_000, maxMs: 30_000 });
  while (!signal.aborted) {
    try {
      // After the first connect the client reconnects by itself, for as long as the hub runs.
      return await connect({ servers: options.servers, name: 'davy-hub', maxReconnectAttempts: -1, reconnectTimeWait: 1_000 });
    } catch (error) {
      const retryInMs = Math.round(backoff.nextDelayMs());
      options.log.warn('nats.unavailable', {
        servers: options.servers.join(','),
        error: connectFailure(error),
        retryInMs,
        hint: 'start nats-server with JetStream (-js), or correct --nats / DAVY_HUB_NATS; the hub keeps trying, and takes batches once it answers',
      });
      await sleep(retryInMs, signal);
    }
  }
  return undefined;
}

function watchConnection(connection: NatsConnection, log: Logger): void {
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') log.warn('nats.disconnected', { server: status.server });
      else if (status.type === 'reconnect') log.info('nats.reconnected', { server: status.server });
    }
  })();
}

/** One delivered message: decoded, checked, committed, then acked, handed back or refused. */
class MessageHandler {
  /** One commit-queue source per outbox, so its batches keep their order in a group (and another agent's refused batches never drop them). */
  private readonly sources = new Map<string, object>();
  private readonly pending = new Set<Promise<void>>();
  /** Held-back batches by outbox (watermark key), when each last renewed its ack wait, and the timer that tries them again. */
  private readonly parked = new Map<string, { batches: Array<{ message: JsMsg; batch: IngestBatch; renewedMs: number }>; timer?: NodeJS.Timeout }>();
  private parkedCount = 0;
  /** Messages found early at least once: each counts once in the stats. */
  private readonly seenEarly = new WeakSet<JsMsg>();
  /** Since the last stats line: batches stored and acked, the records they brought, and batches held back, dropped (held back beyond the limits), failed, refused. */
  private counts = { batches: 0, records: 0, heldBack: 0, dropped: 0, failed: 0, refused: 0 };

  constructor(
    private readonly queue: CommitQueue,
    private readonly board: WatermarkBoard,
    private readonly heldBack: HeldBack,
    private readonly log: Logger,
  ) {}

  handle(message: JsMsg): void {
    const batch = this.checked(message, Date.now());
    if (batch) this.submit(message, batch);
  }

  private submit(message: JsMsg, batch: IngestBatch, renewedMs = Date.now()): void {
    const key = watermarkKey(batch.gatewayId, batch.outboxId);
    let source = this.sources.get(key);
    if (!source) {
      source = {};
      this.sources.set(key, source);
    }
    const done = this.queue.submit(batch, source).then(
      (result) => this.committed(message, batch, result, renewedMs),
      (error: unknown) => {
        this.counts.failed += 1;
        this.log.error('ingest.commit_failed', { gateway: batch.gatewayId, error: errorMessage(error), retryInMs: failedRetryMs });
        message.nak(failedRetryMs);
      },
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  logStats(): void {
    const counts = this.counts;
    if (counts.batches + counts.heldBack + counts.dropped + counts.failed + counts.refused === 0) return;
    this.counts = { batches: 0, records: 0, heldBack: 0, dropped: 0, failed: 0, refused: 0 };
    this.log.info('nats.ingest_stats', { ...counts, intervalMs: statsIntervalMs });
  }

  /** Resolves once every batch taken so far is committed and answered; held-back ones go back to the stream for another replica. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    for (const [key, entry] of this.parked) {
      clearTimeout(entry.timer);
      for (const { message } of entry.batches) message.nak();
      this.parked.delete(key);
    }
    this.parkedCount = 0;
  }

  /**
   * Holds an early batch back, its ack wait renewed (a third of it at a time), so the stream does
   * not hand it to another replica meanwhile. A batch beyond the limits leaves the stream.
   */
  private park(key: string, message: JsMsg, batch: IngestBatch, renewedMs: number): void {
    let entry = this.parked.get(key);
    if (this.parkedCount >= maxHeldBack || (entry?.batches.length ?? 0) >= maxHeldBackPerOutbox) {
      message.ack();
      this.counts.dropped += 1;
      return;
    }
    if (!entry) {
      entry = { batches: [] };
      this.parked.set(key, entry);
    }
    const now = Date.now();
    if (now - renewedMs >= ackWaitMs / 3) {
      message.working();
      renewedMs = now;
    }
    entry.batches.push({ message, batch, renewedMs });
    this.parkedCount += 1;
    entry.timer ??= setTimeout(() => this.unpark(key), heldBackRecheckMs);
  }

  /** Tries an outbox's held-back batches again, oldest first. */
  private unpark(key: string): void {
    const entry = this.parked.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.parked.delete(key);
    this.parkedCount -= entry.batches.length;
    for (const { message, batch, renewedMs } of entry.batches.sort((a, b) => a.batch.previousSeq - b.batch.previousSeq)) this.submit(message, batch, renewedMs);
  }

  /** The message as a batch for the store; undefined (the message refused for good) when it cannot be one. */
  private checked(message: JsMsg, receivedAtMs: number): IngestBatch | undefined {
    let batch: Batch;
    try {
      batch = Batch.decode(message.data);
    } catch (error) {
      return this.refuse(message, `the message is not a Batch: ${errorMessage(error)}`);
    }
    if (message.subject !== telemetrySubject(batch.gatewayId)) {
      return this.refuse(message, `a batch of gateway ${batch.gatewayId} belongs on ${telemetrySubject(batch.gatewayId)}`);
    }
    try {
      return checkBatch(batch, receivedAtMs);
    } catch (error) {
      if (error instanceof BatchRejected) return this.refuse(message, error.message);
      throw error;
    }
  }

  private refuse(message: JsMsg, reason: string): undefined {
    this.counts.refused += 1;
    this.log.error('nats.batch_refused', { subject: message.subject, streamSeq: message.seq, reason });
    this.dropForGood(message);
    return undefined;
  }

  /**
   * Takes a refused message out of the stream. Acked, not terminated: in a work-queue stream a
   * terminated message stays (nats-server 2.9), counting against the stream's limits forever;
   * the log line above is what remains of it.
   */
  private dropForGood(message: JsMsg): void {
    message.ack();
  }

  private committed(message: JsMsg, batch: IngestBatch, result: IngestResult, renewedMs: number): void {
    const key = watermarkKey(batch.gatewayId, batch.outboxId);
    if (result.refused !== undefined) {
      this.counts.refused += 1;
      this.log.warn('ingest.refused', { gateway: batch.gatewayId, reason: result.refused });
      this.dropForGood(message);
      return;
    }
    if (result.early !== undefined) {
      if (!this.seenEarly.has(message)) {
        this.seenEarly.add(message);
        this.counts.heldBack += 1;
      }
      this.park(key, message, batch, renewedMs);
      if (this.heldBack.held(key)) {
        this.log.warn('ingest.resend_asked', { gateway: batch.gatewayId, outbox: batch.outboxId, reason: result.early, resendFrom: result.watermark });
        this.board.post(batch.gatewayId, batch.outboxId, { watermark: result.watermark, resendFrom: result.watermark });
      }
      return;
    }
    message.ack();
    this.counts.batches += 1;
    this.counts.records += result.stored;
    this.heldBack.moved(key);
    this.unpark(key);
    if (result.rejected > 0) this.log.warn('ingest.rejected', { gateway: batch.gatewayId, rejected: result.rejected, reasons: result.rejections });
    this.board.post(batch.gatewayId, batch.outboxId, { watermark: result.watermark });
  }
}
