/**
 * Writes a group's rows to QuestDB over its line protocol (ILP over HTTP, with QuestDB's own
 * client), in the three steps ingest.ts explains. Each step is one HTTP request that returns
 * once QuestDB has the rows in its write-ahead log, and a request that fails stores nothing of
 * a table it failed on; the client retries a failed request for a while, harmlessly, since
 * every row is keyed.
 */
import type { Sender } from '@questdb/nodejs-client';
import type { SampleRow } from '../batch-records.js';
import type { GroupDraft } from './group-draft.js';

/** The designated time of tables that hold one row per key (schema.ts). */
const keyedTime = 0;

export class IlpWriter {
  constructor(private readonly sender: Sender) {}

  write(draft: GroupDraft): Promise<void> {
    return this.emptiedOnFailure(async () => {
      await this.definitions(draft);
      await this.records(draft);
      await this.watermarks(draft);
    });
  }

  /** Runs `work`; when it fails, drops what it left in the client's buffer (the resend writes it again). */
  private async emptiedOnFailure(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.sender.reset();
      throw error;
    }
  }

  /** Step 1: new or changed series, and the outboxes' new local ids. */
  private async definitions(draft: GroupDraft): Promise<void> {
    const s = this.sender;
    for (const info of draft.series.values()) {
      s.table('series').symbol('gateway_id', info.gatewayId).symbol('metric', info.metric).symbol('unit', info.unit);
      s.intColumn('id', info.id).stringColumn('key', info.key).stringColumn('device', info.device).stringColumn('point', info.point).intColumn('interval_ms', info.intervalMs);
      await s.at(keyedTime, 'ms');
    }
    for (const { gatewayId, outboxId, ids } of draft.outboxSeries.values()) {
      for (const [localId, seriesId] of ids) {
        s.table('outbox_series').symbol('gateway_id', gatewayId).symbol('outbox_id', outboxId).intColumn('local_id', localId).intColumn('series_id', seriesId);
        await s.at(keyedTime, 'ms');
      }
    }
    await s.flush();
  }

  /** Step 2: samples, events and the devices' states. */
  private async records(draft: GroupDraft): Promise<void> {
    const s = this.sender;
    for (const sample of draft.samples) await writeSample(s, sample);
    for (const event of draft.events) {
      s.table('events').symbol('gateway_id', event.gatewayId).symbol('outbox_id', event.outboxId).symbol('type', event.type);
      s.intColumn('id', event.id).intColumn('key_seq', event.keySeq).intColumn('received_ms', event.receivedMs).stringColumn('body', JSON.stringify(event.body));
      if (event.device !== null) s.stringColumn('device', event.device);
      await s.at(event.timeMs, 'ms');
    }
    for (const device of draft.devices.values()) {
      s.table('device_status').symbol('gateway_id', device.gatewayId).symbol('state', device.state);
      s.stringColumn('device', device.device).intColumn('state_since_ms', device.stateSinceMs).intColumn('reported_ms', device.reportedMs);
      optional(device.reason, (value) => s.stringColumn('reason', value));
      optional(device.lastGoodReadMs, (value) => s.intColumn('last_good_read_ms', value));
      optional(device.reads, (value) => s.intColumn('reads', value));
      optional(device.errorsJson, (value) => s.stringColumn('errors', value));
      optional(device.lastError, (value) => s.stringColumn('last_error', value));
      await s.at(keyedTime, 'ms');
    }
    await s.flush();
  }

  /** Step 3: where each outbox's records are stored up to, and the gateways. */
  private async watermarks(draft: GroupDraft): Promise<void> {
    const s = this.sender;
    for (const outbox of draft.outboxes.values()) {
      s.table('outboxes').symbol('gateway_id', outbox.gatewayId).symbol('outbox_id', outbox.outboxId);
      s.intColumn('watermark', outbox.watermark).intColumn('first_seen_ms', outbox.firstSeenMs).intColumn('last_seen_ms', outbox.lastSeenMs);
      await s.at(keyedTime, 'ms');
    }
    for (const gateway of draft.gateways.values()) {
      s.table('gateways').symbol('id', gateway.id).symbol('outbox_id', gateway.outboxId);
      s.intColumn('watermark', gateway.watermark).intColumn('first_seen_ms', gateway.firstSeenMs).intColumn('last_seen_ms', gateway.lastSeenMs);
      optional(gateway.enterpriseCode, (value) => s.stringColumn('enterprise_code', value));
      optional(gateway.site, (value) => s.stringColumn('site', value));
      optional(gateway.clockSkewMs, (value) => s.intColumn('clock_skew_ms', value));
      await s.at(keyedTime, 'ms');
    }
    await s.flush();
  }

  /** Step for the API tokens: the new set as the next generation. */
  tokenSet(generation: number, tokensJson: string): Promise<void> {
    return this.emptiedOnFailure(async () => {
      this.sender.table('api_token_sets').intColumn('generation', generation).stringColumn('tokens', tokensJson);
      await this.sender.at(Date.now(), 'ms');
      await this.sender.flush();
    });
  }
}

/** One row of the samples table into the client's buffer. */
export async function writeSample(s: Sender, sample: SampleRow): Promise<void> {
  s.table('samples').intColumn('series_id', sample.seriesId).intColumn('seq', sample.seq);
  // A bad sample has no value: the column is left out, and QuestDB stores null.
  if (sample.value !== null) s.floatColumn('value', sample.value);
  s.intColumn('quality', sample.quality).intColumn('received_ms', sample.receivedMs);
  await s.at(sample.timeMs, 'ms');
}

/** A null column is left out of the row: QuestDB stores null. */
function optional<T>(value: T | null, write: (value: T) => void): void {
  if (value !== null) write(value);
}
