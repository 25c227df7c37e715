/**
 * The NATS JetStream uplink: batches are published to the gateway's subject of the telemetry
 * stream, up to `window` awaiting the stream's ack, each with a message id so JetStream stores
 * a resend once. The stream's ack only means the batch is in the stream: records leave the
 * outbox when a hub has stored them, which it says by writing the outbox's watermark to the
 * watermark bucket — read at connect (as the gRPC uplink's first ack) and then every second
 * while records wait for it.
 *
 * Each batch names the last record sent before it (previousSeq), and the hub stores it only
 * after that one: so when a publish fails, the uplink goes back to the last batch the stream
 * took and sends on from there, and batches that got in after the failed one wait at the hub
 * until the resend fills the hole. A hub that waits in vain (the hole is never filled) asks,
 * through the bucket, for everything again from its watermark.
 */
import { Batch, batchMessageId, decodeWatermarkEntry, telemetrySubject, watermarkBucket, watermarkKey, type WatermarkEntry } from '@davy/proto';
import { Backoff, connectFailure, errorMessage, type Logger } from '@davy/runtime';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Outbox } from '../../outbox/outbox.js';
import type { OutboxRecord } from '../../outbox/records.js';
import { buildBatch } from '../batch-builder.js';
import { BatchTaker } from '../batch-taker.js';
import type { UplinkSettings } from '../grpc/grpc-uplink.js';
import type { GatewayIdentity, Uplink, UplinkStatus } from '../uplink.js';

/** What the uplink can use while NATS answers and the bucket is known. */
interface Session {
  connection: NatsConnection;
  js: JetStreamClient;
  kv: KV;
  /** Highest sequence number published (or known to be at the hub) on this session. */
  sentSeq: number;
  /** Publishes awaiting the stream's ack, oldest first. */
  inFlight: Array<{ previousSeq: number; lastSeq: number; acked: boolean }>;
  /** Series defined since the session began or last went back. */
  defined: Set<number>;
  lastSendMs: number;
  /** Bumped each time the session goes back: acks of publishes made before are ignored. */
  generation: number;
  readingWatermark: boolean;
  /** The bucket revision of the last resend request acted on: each is acted on once. */
  resendRevision: number;
}

/** How often the bucket is read when no record waits for the hub. */
const idleReadMs = 5_000;

export class NatsUplink implements Uplink {
  private session?: Session;
  private connecting = false;
  private readonly backoff: Backoff;
  private stopped = true;
  private readonly taker: BatchTaker;
  private retryTimer?: NodeJS.Timeout;
  private tickTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  /** Highest watermark any hub has written for this outbox. */
  private ackedSeq = 0;
  /** Highest sequence number sent in this run, whatever became of it. */
  private highestSentSeq = 0;
  /** When publishing may resume after a failure. */
  private pausedUntilMs = 0;
  /** Resends a hub asked for in this run: batches sent since carry it in their message ids. */
  private resends = 0;
  private lastReadMs = 0;
  /** A split batch is said once a run. */
  private splitLogged = false;
  private readonly subject: string;
  private readonly key: string;
  private readonly state: Omit<UplinkStatus, 'connected' | 'inFlightBatches'> = {
    transport: 'nats',
    lastAckMs: null,
    watermark: null,
    reconnects: 0,
    lastError: null,
  };

  constructor(
    private readonly servers: string[],
    private readonly gateway: GatewayIdentity,
    private readonly settings: UplinkSettings,
    private readonly outbox: Outbox,
    private readonly log: Logger,
  ) {
    this.backoff = new Backoff({ initialMs: settings.reconnectMin, maxMs: settings.reconnectMax });
    this.taker = new BatchTaker(outbox, settings, () => this.pump(true));
    this.subject = telemetrySubject(gateway.id);
    this.key = watermarkKey(gateway.id, outbox.id);
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.outbox.onAppend(() => this.pump(false));
    this.tickTimer = setInterval(() => this.tick(), 1000);
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.tickTimer);
    this.taker.stop();
    clearTimeout(this.retryTimer);
    const session = this.session;
    this.session = undefined;
    await session?.connection.close().catch(() => undefined);
  }

  status(): UplinkStatus {
    return { ...this.state, connected: this.session !== undefined, inFlightBatches: this.session?.inFlight.length ?? 0 };
  }

  /** Connects, reads the outbox's watermark from the bucket, and starts publishing after it. */
  private async connect(): Promise<void> {
    if (this.stopped || this.connecting) return;
    this.connecting = true;
    let connection: NatsConnection | undefined;
    try {
      this.log.debug('uplink.connecting', { servers: this.servers.join(',') });
      // After this first connect the client reconnects by itself; a publish that fails meanwhile sends again.
      connection = await connect({ servers: this.servers, name: `davy-agent ${this.gateway.id}`, maxReconnectAttempts: -1, reconnectTimeWait: this.settings.reconnectMin });
      const kv = await new Kvm(connection).open(watermarkBucket).catch((error: unknown) => {
        throw new Error(`no watermark bucket ${watermarkBucket} (${errorMessage(error)}): start a hub with --transport nats against these servers first`);
      });
      const entry = await readEntry(kv, this.key);
      if (this.stopped) {
        await connection.close();
        return;
      }
      const watermark = entry?.watermark ?? 0;
      this.outbox.reconcile(watermark);
      this.noteWatermark(watermark);
      // Everything after what a hub has stored goes out (again): what the stream holds of it is
      // dropped there as a resend within its window, and by the hub's watermark after that.
      const sentSeq = entry?.resendFrom === undefined ? this.ackedSeq : Math.min(entry.resendFrom, this.ackedSeq);
      const resendRevision = entry?.revision ?? 0;
      this.session = { connection, js: jetstream(connection), kv, sentSeq, inFlight: [], defined: new Set(), lastSendMs: 0, generation: 0, readingWatermark: false, resendRevision };
      this.watchConnection(connection);
      this.backoff.reset();
      this.log.info('uplink.connected', { servers: this.servers.join(','), watermark });
      this.pump(false);
    } catch (error) {
      await connection?.close().catch(() => undefined);
      this.retryLater(connectFailure(error));
    } finally {
      this.connecting = false;
    }
  }

  private retryLater(reason: string): void {
    this.state.lastError = reason;
    if (this.stopped) return;
    this.state.reconnects += 1;
    const delayMs = this.backoff.nextDelayMs();
    this.log.warn('uplink.disconnected', { servers: this.servers.join(','), reason, retryInMs: Math.round(delayMs) });
    this.retryTimer = setTimeout(() => void this.connect(), delayMs);
  }

  private watchConnection(connection: NatsConnection): void {
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect') this.log.warn('uplink.nats_disconnected', { server: status.server });
        else if (status.type === 'reconnect') this.log.info('uplink.nats_reconnected', { server: status.server });
      }
    })();
  }

  /**
   * Publishes while the window has room: full batches at once, a partial one only when `flush`
   * (its oldest record has waited batchMaxAge) — the timer arranges that.
   */
  private pump(flush: boolean): void {
    const session = this.session;
    if (!session || this.stopped || Date.now() < this.pausedUntilMs) return;
    let flushing = flush;
    while (session.inFlight.length < this.settings.window) {
      const records = this.taker.next(session.sentSeq, flushing);
      if (!records) break;
      if (records.length === 0) {
        session.sentSeq = this.outbox.lastSequence; // only holes (acked or dropped) were left
        break;
      }
      const { batch, data, lastSeq } = this.fitting(session, records);
      this.publish(session, batch, data, batchMessageId(this.gateway.id, this.outbox.id, session.sentSeq, lastSeq, this.resends > 0 ? `resend-${this.resends}` : undefined), lastSeq);
      flushing = true; // once sending, send everything that is pending
    }
  }

  /**
   * The batch of as many of `records` as fit in one NATS message (the server's max_payload, 1 MiB
   * by default): halved until it fits, its series definitions taken back each time.
   */
  private fitting(session: Session, records: OutboxRecord[]): { batch: Batch; data: Uint8Array; lastSeq: number } {
    const maxPayload = session.connection.info?.max_payload ?? 1024 * 1024;
    let taken = records;
    for (;;) {
      const batch = buildBatch(this.gateway, this.outbox, taken, session.defined, session.sentSeq);
      const data = Batch.encode(batch).finish();
      if (data.length <= maxPayload || taken.length === 1) {
        if (taken.length < records.length && !this.splitLogged) {
          this.splitLogged = true;
          this.log.info('uplink.batch_split', { records: records.length, sent: taken.length, maxPayload, hint: 'batches are halved until they fit the NATS server\'s max_payload; a smaller uplink.batchMaxRecords avoids it' });
        }
        return { batch, data, lastSeq: taken[taken.length - 1]!.seq };
      }
      for (const definition of batch.series) session.defined.delete(definition.localId);
      taken = taken.slice(0, Math.ceil(taken.length / 2));
    }
  }

  private publish(session: Session, batch: Batch, data: Uint8Array, messageId: string, lastSeq: number): void {
    const now = Date.now();
    const entry = { previousSeq: batch.previousSeq, lastSeq, acked: false };
    const generation = session.generation;
    session.inFlight.push(entry);
    session.sentSeq = lastSeq;
    session.lastSendMs = now;
    this.highestSentSeq = Math.max(this.highestSentSeq, lastSeq);
    session.js.publish(this.subject, data, { msgID: messageId, timeout: this.settings.ackTimeout }).then(
      () => {
        if (session !== this.session || generation !== session.generation) return;
        entry.acked = true;
        while (session.inFlight[0]?.acked) session.inFlight.shift();
        this.backoff.reset();
        this.pump(false);
      },
      (error: unknown) => {
        if (session !== this.session || generation !== session.generation) return;
        this.goBack(session, `the stream did not take a batch: ${errorMessage(error)}`);
      },
    );
  }

  /**
   * A publish failed: everything after the last batch the stream took before it is sent again,
   * after a pause, with its series defined again (the failed batch may have carried them).
   */
  private goBack(session: Session, reason: string): void {
    const resumeAfter = session.inFlight.find((entry) => !entry.acked)?.previousSeq ?? session.sentSeq;
    this.rewind(session, resumeAfter);
    this.state.lastError = reason;
    this.state.reconnects += 1;
    const delayMs = this.backoff.nextDelayMs();
    this.pausedUntilMs = Date.now() + delayMs;
    this.log.warn('uplink.publish_failed', { reason, resendAfter: resumeAfter, retryInMs: Math.round(delayMs) });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.pump(true), delayMs);
  }

  private rewind(session: Session, seq: number): void {
    session.generation += 1;
    session.inFlight = [];
    session.sentSeq = seq;
    session.defined = new Set();
  }

  /**
   * Once a second: the watermark while records wait for it (every 5 s when none does, for a hub
   * that asks for a resend), and a heartbeat after silence.
   */
  private tick(): void {
    const session = this.session;
    if (!session) return;
    const waiting = this.ackedSeq < this.highestSentSeq || this.state.watermark === null;
    if (waiting || Date.now() - this.lastReadMs >= idleReadMs) void this.readWatermark(session);
    const oldest = session.inFlight[0];
    const now = Date.now();
    if (now - session.lastSendMs >= this.settings.heartbeat && !oldest && now >= this.pausedUntilMs) {
      const batch = buildBatch(this.gateway, this.outbox, [], session.defined, session.sentSeq);
      this.publish(session, batch, Batch.encode(batch).finish(), batchMessageId(this.gateway.id, this.outbox.id, session.sentSeq, session.sentSeq, `heartbeat-${now}`), session.sentSeq);
    }
  }

  private async readWatermark(session: Session): Promise<void> {
    if (session.readingWatermark) return;
    session.readingWatermark = true;
    this.lastReadMs = Date.now();
    try {
      const entry = await readEntry(session.kv, this.key);
      if (entry && session === this.session) this.applyEntry(session, entry);
    } catch (error) {
      this.log.debug('uplink.watermark_unread', { error: errorMessage(error) });
    } finally {
      session.readingWatermark = false;
    }
  }

  private applyEntry(session: Session, entry: WatermarkEntry & { revision: number }): void {
    if (entry.resendFrom !== undefined && entry.revision > session.resendRevision) {
      session.resendRevision = entry.revision;
      if (entry.resendFrom < this.ackedSeq) {
        // The hub has lost records it acked (e.g. restored from a backup): they are gone here too.
        this.log.error('uplink.hub_behind', { hubWatermark: entry.resendFrom, ackedBefore: this.ackedSeq });
        this.ackedSeq = entry.resendFrom;
      }
      this.log.warn('uplink.resend_asked', { resendFrom: entry.resendFrom, sentUpTo: session.sentSeq });
      this.resends += 1;
      this.rewind(session, entry.resendFrom);
      this.pump(true);
      return;
    }
    this.noteWatermark(entry.watermark);
  }

  private noteWatermark(watermark: number): void {
    if (watermark < this.ackedSeq) return; // an older write of a slower hub replica
    this.ackedSeq = watermark;
    this.outbox.ack(watermark, this.highestSentSeq);
    this.state.lastAckMs = Date.now();
    this.state.watermark = watermark;
  }
}

async function readEntry(kv: KV, key: string): Promise<(WatermarkEntry & { revision: number }) | undefined> {
  const entry = await kv.get(key);
  if (!entry || entry.operation !== 'PUT') return undefined;
  const decoded = decodeWatermarkEntry(entry.string());
  return decoded && { ...decoded, revision: entry.revision };
}
