/**
 * The one seam between the hub and its storage engine. SQLite (the embedded default) and,
 * later, PostgreSQL and QuestDB implement it in their own folders. Methods are async so that
 * network engines fit, even where the embedded one answers synchronously.
 */
import type { Event, Gap, SampleColumns, SeriesDefinition } from '@davy/proto';
import type { SampleRow } from './batch-records.js';
import type { StoredSamplesListener } from './stored-samples.js';

export type QualityName = 'good' | 'uncertain' | 'bad';

/** A gateway's batch as the ingest path hands it to the store, already checked for shape. */
export interface IngestBatch {
  gatewayId: string;
  outboxId: string;
  enterpriseCode: string;
  site: string;
  sentAtMs: number;
  receivedAtMs: number;
  series: SeriesDefinition[];
  samples: SampleColumns;
  events: Event[];
  gaps: Gap[];
  /** Records the ingest path already found malformed: counted, skipped, and passed by the watermark. */
  malformed: Array<{ seq: number; reason: string }>;
  /** Series definitions the ingest path refused, so samples naming them are rejected with this reason. */
  refusedSeries: Array<{ localId: number; reason: string }>;
  /** The highest sequence number the agent sent before this batch: stored only once the watermark reaches it (batch-order.ts). */
  previousSeq: number;
}

export interface IngestResult {
  /** The gateway's watermark after the commit: the highest sequence number stored. */
  watermark: number;
  /** Records of the batch that were new and stored. */
  stored: number;
  /** Records at or under the previous watermark: already stored before, skipped. */
  duplicates: number;
  /** Malformed records (e.g. a sample of an undefined series), counted and skipped. */
  rejected: number;
  /** Why records were rejected, one line per reason. */
  rejections: string[];
  /** Set when nothing of the batch was stored, and why (the stream should end with it). */
  refused?: string;
  /** Set when the batch came before records it follows: nothing stored, to be handed over again (batch-order.ts). */
  early?: string;
}

export interface GatewayInfo {
  id: string;
  enterpriseCode: string | null;
  site: string | null;
  watermark: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** The gateway's clock minus the hub's at the last batch (positive: gateway ahead). */
  clockSkewMs: number | null;
}

export interface SeriesInfo {
  id: number;
  key: string;
  gatewayId: string;
  device: string;
  point: string;
  metric: string;
  unit: string;
  intervalMs: number;
}

export interface SeriesFilter {
  gatewayId?: string;
  metric?: string;
  device?: string;
}

export interface DeviceFilter {
  gatewayId?: string;
  state?: string;
}

/** A device as the hub knows it: from its series, and its gateway's last reports of it. */
export interface DeviceStatus {
  gatewayId: string;
  device: string;
  /** online, offline, connecting…; 'unknown' until the gateway reports one. */
  state: string;
  stateSinceMs: number | null;
  /** Why it is offline, as the gateway said. */
  reason: string | null;
  lastGoodReadMs: number | null;
  reads: number | null;
  /** Failed reads by kind (timeout, exception, connection, …). */
  errors: Record<string, number>;
  lastError: string | null;
  reportedMs: number | null;
  series: number;
}

export interface LatestValue {
  series: SeriesInfo;
  timeMs: number;
  value: number | null;
  quality: QualityName;
  receivedMs: number;
}

export type Aggregate = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'last';

export interface BucketQuery {
  seriesId: number;
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  stepMs: number;
  agg: Aggregate;
  /** Buckets start at multiples of stepMs counted from this instant (time-zone alignment). */
  alignMs: number;
}

/** Aggregates use good and uncertain samples; bad ones carry no value and are left out. */
export interface Bucket {
  startMs: number;
  value: number | null;
  count: number;
}

export interface ArrivalQuery {
  seriesId: number;
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  /** A sample stored more than this long after its time is late; one stored exactly this long after is not. */
  lateAfterMs: number;
}

/** The valid samples of a series in a time range (by sample time), and how many of them came late. */
export interface Arrivals {
  /** Good and uncertain samples: what history's 'count' gives for the range as one bucket. */
  received: number;
  /**
   * Of those, the ones the hub stored (received_ms) more than lateAfterMs after their time.
   * null when the store no longer holds the arrival time of every one: PostgreSQL counts the
   * samples of days its retention dropped from the hourly rollups, which keep no arrival times.
   */
  late: number | null;
}

export interface RawQuery {
  seriesId: number;
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  limit: number;
  /** Continue after this point (from the previous page's last point). */
  after?: { timeMs: number; seq: number };
}

export interface RawPoint {
  timeMs: number;
  seq: number;
  value: number | null;
  quality: QualityName;
  receivedMs: number;
}

export interface EventQuery {
  gatewayId?: string;
  /** Only events of these gateways (a user's scope); none when empty. */
  gatewayIds?: string[];
  device?: string;
  type?: string;
  fromMs?: number;
  toMs?: number;
  limit: number;
  /** Continue after this event id (newest first paging goes to smaller ids). */
  beforeId?: number;
}

export interface StoredEvent {
  id: number;
  gatewayId: string;
  device: string | null;
  type: string;
  timeMs: number;
  receivedMs: number;
  body: Record<string, unknown>;
}

export interface TokenDigest {
  label: string;
  sha256Hex: string;
}

/** The one replica of several that evaluates the alarm rules, and what it hears (PostgreSQL). */
export interface SharedStoredFeed {
  follow(consumer: SharedStoredConsumer): void;
  /** Stops following and gives the lead up; resolves once a delivery under way is done. */
  stop(): Promise<void>;
}

export interface SharedStoredConsumer {
  /** This replica now leads: it sets up from the database (the active alarms) before the first delivery. */
  gained(): Promise<void>;
  /** It no longer does (its lead's connection broke): another replica goes on from where it was. */
  lost(): void;
  /** Evaluates samples of every replica's commits, in commit order; they leave the queue once it resolves. */
  deliver(samples: readonly SampleRow[]): Promise<void>;
}

export interface Store {
  /**
   * Commits each batch's new records together with its gateway's watermark, all batches in
   * one transaction (group commit), and answers one result per batch, in order.
   */
  ingest(batches: IngestBatch[]): Promise<IngestResult[]>;

  /** Calls `listener` after each commit with the samples it stored (new ones only), in record order. */
  onStored(listener: StoredSamplesListener): void;

  /**
   * Where several hub replicas share the database (PostgreSQL): every replica's stored samples,
   * for the one replica that leads, in commit order. Without it, onStored is the whole story:
   * one hub per database.
   */
  readonly sharedStored?: SharedStoredFeed;

  gateways(): Promise<GatewayInfo[]>;
  series(filter: SeriesFilter): Promise<SeriesInfo[]>;
  seriesByKey(key: string): Promise<SeriesInfo | undefined>;
  latest(filter: SeriesFilter): Promise<LatestValue[]>;
  devices(filter: DeviceFilter): Promise<DeviceStatus[]>;
  history(query: BucketQuery): Promise<Bucket[]>;
  /** How many valid samples of the range there are and how many of them arrived late (the quality report). */
  arrivals(query: ArrivalQuery): Promise<Arrivals>;
  rawPoints(query: RawQuery): Promise<RawPoint[]>;
  events(query: EventQuery): Promise<StoredEvent[]>;

  /** API bearer tokens, kept as SHA-256 digests, each labelled with where it came from. */
  tokenDigests(): Promise<TokenDigest[]>;
  /** Makes exactly these tokens valid: every other one is revoked. */
  replaceTokenDigests(tokens: TokenDigest[]): Promise<void>;
  hasTokenDigest(sha256Hex: string): Promise<boolean>;

  close(): Promise<void>;
}
