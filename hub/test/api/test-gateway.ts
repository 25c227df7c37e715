/**
 * A gateway as the store sees it: it numbers its records, defines each point's series on first
 * use and hands batches to store.ingest, so API tests can seed data in domain terms.
 */
import { Quality } from '@davy/proto';
import type { SeriesDefinition } from '@davy/proto';
import type { Store } from '../../src/store/store.js';

export interface TestPoint {
  device: string;
  point: string;
  metric: string;
  unit: string;
  /** The read interval it is defined with; 1 s unless given. */
  intervalMs?: number;
}

export interface TestSample {
  point: TestPoint;
  timeMs: number;
  value: number;
  quality?: Quality;
}

export interface TestEvent {
  type: string;
  device?: string;
  timeMs: number;
  body?: Record<string, unknown>;
}

export class TestGateway {
  private seq = 0;
  private readonly localIds = new Map<string, number>();

  constructor(
    private readonly store: Pick<Store, 'ingest'>,
    readonly id: string,
    private readonly identity = { enterpriseCode: '91140100MA0KXXXX0Q', site: 'Test mine' },
  ) {}

  key(point: TestPoint): string {
    return `${this.id}/${point.device}/${point.point}`;
  }

  async send(batch: { samples?: TestSample[]; events?: TestEvent[]; gaps?: Array<{ dropped: number; firstTimeMs: number; lastTimeMs: number }>; receivedAtMs?: number; sentAtMs?: number }): Promise<void> {
    const receivedAtMs = batch.receivedAtMs ?? Date.now();
    const definitions: SeriesDefinition[] = [];
    const localId = (point: TestPoint): number => {
      const key = this.key(point);
      let id = this.localIds.get(key);
      if (id === undefined) {
        id = this.localIds.size + 1;
        this.localIds.set(key, id);
        definitions.push({ localId: id, key, device: point.device, point: point.point, metric: point.metric, unit: point.unit, intervalMs: point.intervalMs ?? 1000 });
      }
      return id;
    };
    const samples = batch.samples ?? [];
    const [result] = await this.store.ingest([
      {
        gatewayId: this.id,
        outboxId: `${this.id}-outbox`,
        enterpriseCode: this.identity.enterpriseCode,
        site: this.identity.site,
        sentAtMs: batch.sentAtMs ?? receivedAtMs,
        receivedAtMs,
        previousSeq: 0,
        samples: {
          seq: samples.map(() => ++this.seq),
          series: samples.map((sample) => localId(sample.point)),
          timeMs: samples.map((sample) => sample.timeMs),
          value: samples.map((sample) => sample.value),
          quality: samples.map((sample) => sample.quality ?? Quality.QUALITY_GOOD),
        },
        series: definitions,
        events: (batch.events ?? []).map((event) => ({
          seq: ++this.seq,
          type: event.type,
          device: event.device ?? '',
          timeMs: event.timeMs,
          bodyJson: JSON.stringify(event.body ?? {}),
        })),
        gaps: (batch.gaps ?? []).map((gap) => {
          const firstDroppedSeq = this.seq + 1;
          this.seq += gap.dropped + 1;
          return { seq: this.seq, firstDroppedSeq, lastDroppedSeq: firstDroppedSeq + gap.dropped - 1, dropped: gap.dropped, firstTimeMs: gap.firstTimeMs, lastTimeMs: gap.lastTimeMs };
        }),
        malformed: [],
        refusedSeries: [],
      },
    ]);
    if (result?.rejected !== 0) throw new Error(`test batch rejected: ${result?.rejections.join('; ')}`);
  }
}
