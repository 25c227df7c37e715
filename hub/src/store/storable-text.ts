/**
 * PostgreSQL text and QuestDB's line protocol cannot hold NUL characters, which a batch may
 * carry in names it sends (SQLite stores them). Such a batch would fail its commit at every
 * resend and block the gateway's stream forever, so NUL becomes U+FFFD (the replacement
 * character) instead.
 */
import type { IngestBatch } from './store.js';

const nul = '\u0000';

export function storableText(text: string): string {
  return text.includes(nul) ? text.replaceAll(nul, '\uFFFD') : text;
}

/** The batch with every name and label storable; samples, numbers only, are shared as they are. */
export function storableBatch(batch: IngestBatch): IngestBatch {
  const fields = [batch.outboxId, batch.enterpriseCode, batch.site, ...batch.series.flatMap((s) => [s.key, s.device, s.point, s.metric, s.unit]), ...batch.events.flatMap((e) => [e.type, e.device])];
  if (!fields.some((field) => field.includes(nul))) return batch;
  return {
    ...batch,
    outboxId: storableText(batch.outboxId),
    enterpriseCode: storableText(batch.enterpriseCode),
    site: storableText(batch.site),
    series: batch.series.map((s) => ({ ...s, key: storableText(s.key), device: storableText(s.device), point: storableText(s.point), metric: storableText(s.metric), unit: storableText(s.unit) })),
    events: batch.events.map((e) => ({ ...e, type: storableText(e.type), device: storableText(e.device) })),
  };
}
