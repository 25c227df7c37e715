/**
 * The rows the ingest load sends, for the raw ceilings: G gateways' series interleaved, one
 * timestamp per round of all series, as load-generator.ts sends them.
 */
import type { SampleRow } from '../../hub/src/store/batch-records.js';

export const seriesPerGateway = 2_000;
export const loadStartMs = Date.UTC(2026, 0, 1);

/** Row number `row` (0-based) of the load of `gateways` gateways. */
export function loadRow(row: number, gateways: number): SampleRow {
  const series = gateways * seriesPerGateway;
  return { seriesId: (row % series) + 1, timeMs: loadStartMs + Math.floor(row / series) * 1000, seq: row + 1, value: 230 + (row % 100) / 10, quality: 1, receivedMs: loadStartMs };
}
