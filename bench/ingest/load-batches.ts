/**
 * The batches both ingest loads send (gRPC and NATS): a gateway's 2,000 series, two batches of
 * 1,000 samples to one snapshot, one snapshot a second from 2026-01-01, values that change.
 */
import type { Batch } from '@davy/proto';
import { loadStartMs, seriesPerGateway } from './load-rows.js';

export const batchSize = 1_000;

/** Batch `round` of `gateway`, numbered from `seq`, following record `previousSeq`; the first defines the series. */
export function batchFor(gateway: string, round: number, seq: number, defineSeries: boolean, previousSeq: number): Batch {
  const half = round % 2;
  const timeMs = loadStartMs + Math.floor(round / 2) * 1_000;
  const columns = { seq: new Array<number>(batchSize), series: new Array<number>(batchSize), timeMs: new Array<number>(batchSize), value: new Array<number>(batchSize), quality: new Array<number>(batchSize) };
  for (let i = 0; i < batchSize; i += 1) {
    columns.seq[i] = seq + i;
    columns.series[i] = half * batchSize + i + 1;
    columns.timeMs[i] = timeMs;
    columns.value[i] = 230 + ((i * 7919 + round) % 100) / 10;
    columns.quality[i] = 1;
  }
  return {
    gatewayId: gateway,
    outboxId: `bench-${gateway}`,
    sentAtMs: Date.now(),
    enterpriseCode: '91350100M000100Y43',
    site: 'bench',
    previousSeq,
    series: defineSeries
      ? Array.from({ length: seriesPerGateway }, (_, i) => ({ localId: i + 1, key: `${gateway}/dev-${Math.floor(i / 100)}/p${i}`, device: `dev-${Math.floor(i / 100)}`, point: `p${i}`, metric: 'voltage', unit: 'V', intervalMs: 1000 }))
      : [],
    samples: columns,
    events: [],
    gaps: [],
  };
}
