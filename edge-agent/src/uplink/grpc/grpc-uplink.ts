/**
 * The gRPC uplink: one long-lived bidirectional stream to the hub. Up to `window` batches are
 * in flight before the first ack returns; an ack carries the hub's watermark and only then do
 * records leave the outbox. A broken or silent stream (no ack within ackTimeout) is torn down
 * and rebuilt with exponential backoff and jitter; the new stream resends everything not yet
 * acked after the hub's watermark, which the first ack on every stream tells.
 */
import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { UplinkServiceClient, type Ack, type Batch } from '@davy/proto';
import { Backoff, errorMessage, formatHostPort, type HostPort, type Logger } from '@davy/runtime';
import type { AgentConfig } from '../../config/load-agent-config.js';
import type { Outbox } from '../../outbox/outbox.js';
import { buildBatch } from '../batch-builder.js';
import { BatchTaker } from '../batch-taker.js';
import type { GatewayIdentity, Uplink, UplinkStatus } from '../uplink.js';

export type UplinkSettings = AgentConfig['uplink'];

interface Session {
  client: UplinkServiceClient;
  call: ClientDuplexStream<Batch, Ack>;
  /** Highest sequence number the hub has or was sent on this stream. */
  sentSeq: number;
  inFlight: Array<{ lastSeq: number; sentAtMs: number }>;
  /** Series defined on this stream. */
  defined: Set<number>;
  lastSendMs: number;
  /** The first ack arrived: the hub's watermark is known, records may go. */
  acked: boolean;
}

const channelOptions = {
  // Pings find a dead line (a VPN that dropped without a reset) within seconds.
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
};

export class GrpcUplink implements Uplink {
  private session?: Session;
  private readonly backoff: Backoff;
  private stopped = true;
  private readonly taker: BatchTaker;
  private reconnectTimer?: NodeJS.Timeout;
  private tickTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private ackedSeq = 0;
  private readonly state: Omit<UplinkStatus, 'connected' | 'inFlightBatches'> = {
    transport: 'grpc',
    lastAckMs: null,
    watermark: null,
    reconnects: 0,
    lastError: null,
  };

  constructor(
    private readonly hub: HostPort,
    private readonly gateway: GatewayIdentity,
    private readonly settings: UplinkSettings,
    private readonly outbox: Outbox,
    private readonly log: Logger,
  ) {
    this.backoff = new Backoff({ initialMs: settings.reconnectMin, maxMs: settings.reconnectMax });
    this.taker = new BatchTaker(outbox, settings, () => this.pump(true));
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.outbox.onAppend(() => this.pump(false));
    this.tickTimer = setInterval(() => this.tick(), 1000);
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.tickTimer);
    this.taker.stop();
    clearTimeout(this.reconnectTimer);
    const session = this.session;
    this.session = undefined;
    if (session) {
      session.call.end();
      session.client.close();
    }
  }

  status(): UplinkStatus {
    return { ...this.state, connected: this.session?.acked ?? false, inFlightBatches: this.session?.inFlight.length ?? 0 };
  }

  private connect(): void {
    if (this.stopped) return;
    const client = new UplinkServiceClient(formatHostPort(this.hub), credentials.createInsecure(), channelOptions);
    const call = client.stream();
    const session: Session = { client, call, sentSeq: this.ackedSeq, inFlight: [], defined: new Set(), lastSendMs: Date.now(), acked: false };
    this.session = session;
    call.on('data', (ack: Ack) => this.onAck(session, ack));
    call.on('error', (error) => this.onBroken(session, errorMessage(error)));
    call.on('end', () => this.onBroken(session, 'the hub ended the stream'));
    this.log.debug('uplink.connecting', { hub: formatHostPort(this.hub) });
    // A heartbeat first, and no record until its ack has told the hub's watermark: then only
    // what the hub lacks goes out (on a slow line, resending what it has costs minutes).
    this.sendHeartbeat(session);
  }

  private onAck(session: Session, ack: Ack): void {
    if (session !== this.session) return;
    const entry = session.inFlight.shift();
    if (!entry) return this.onBroken(session, 'the hub sent an ack for no batch');
    if (ack.watermark > Number.MAX_SAFE_INTEGER / 2) return this.onBroken(session, `the hub sent an impossible watermark ${ack.watermark}`);
    if (!session.acked) {
      session.acked = true;
      this.backoff.reset();
      this.outbox.reconcile(ack.watermark);
      if (ack.watermark < this.ackedSeq) {
        // The hub has lost records it acked (e.g. restored from a backup): they are gone here too.
        // Said to the hub as well, as an event among the records, so its users see the hole.
        const lost = { hubWatermark: ack.watermark, ackedBefore: this.ackedSeq, lostSeqs: this.ackedSeq - ack.watermark };
        this.log.error('uplink.hub_behind', lost);
        this.outbox.append([{ kind: 'event', timeMs: Date.now(), type: 'uplink.hub_behind', device: '', bodyJson: JSON.stringify(lost) }]);
      }
      session.sentSeq = ack.watermark;
      this.log.info('uplink.connected', { hub: formatHostPort(this.hub), watermark: ack.watermark });
    }
    this.ackedSeq = Math.max(this.ackedSeq, ack.watermark);
    this.outbox.ack(ack.watermark, session.sentSeq);
    this.state.lastAckMs = Date.now();
    this.state.watermark = ack.watermark;
    this.pump(false);
  }

  private onBroken(session: Session, reason: string): void {
    if (session !== this.session) return;
    this.session = undefined;
    session.call.removeAllListeners();
    session.call.on('error', () => undefined);
    session.call.cancel();
    session.client.close();
    this.state.lastError = reason;
    if (this.stopped) return;
    this.state.reconnects += 1;
    const delayMs = this.backoff.nextDelayMs();
    this.log.warn('uplink.disconnected', { reason, inFlight: session.inFlight.length, retryInMs: Math.round(delayMs) });
    this.reconnectTimer = setTimeout(() => this.connect(), delayMs);
  }

  /**
   * Sends batches while the window has room: full batches at once, a partial one only when
   * `flush` (its oldest record has waited batchMaxAge) — the timer arranges that.
   */
  private pump(flush: boolean): void {
    const session = this.session;
    if (!session?.acked || this.stopped) return;
    let flushing = flush;
    while (session.inFlight.length < this.settings.window) {
      const records = this.taker.next(session.sentSeq, flushing);
      if (!records) break;
      if (records.length === 0) {
        session.sentSeq = this.outbox.lastSequence; // only holes (acked or dropped) were left
        break;
      }
      this.send(session, buildBatch(this.gateway, this.outbox, records, session.defined, session.sentSeq), records[records.length - 1]!.seq);
      flushing = true; // once sending, send everything that is pending
    }
  }

  private send(session: Session, batch: Batch, lastSeq: number): void {
    const now = Date.now();
    session.call.write(batch);
    session.inFlight.push({ lastSeq, sentAtMs: now });
    session.sentSeq = lastSeq;
    session.lastSendMs = now;
  }

  private sendHeartbeat(session: Session): void {
    this.send(session, buildBatch(this.gateway, this.outbox, [], session.defined, session.sentSeq), session.sentSeq);
  }

  /** Once a second: a silent stream is rebuilt; an idle one sends a heartbeat. */
  private tick(): void {
    const session = this.session;
    if (!session) return;
    const now = Date.now();
    const oldest = session.inFlight[0];
    if (oldest && now - oldest.sentAtMs > this.settings.ackTimeout) {
      return this.onBroken(session, `no ack within ${this.settings.ackTimeout} ms`);
    }
    if (now - session.lastSendMs >= this.settings.heartbeat && session.inFlight.length < this.settings.window) this.sendHeartbeat(session);
  }
}
