/**
 * The data-quality report of an enterprise, a site or a division for a day, a month or a year:
 * per series, the valid samples received against those its read interval makes expected
 * (completeness, against the target of hub/data/quality-targets.yaml), and how many of them
 * arrived late (stored more than the table's late.afterSeconds after their time: forwarded
 * after an outage, most often); per enterprise, the same summed; per gateway, the gaps its
 * outbox reported (records it had to drop) and its clock's skew at the last batch. A period not
 * over yet is measured up to now.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { YamlFile } from '@davy/runtime';
import { z } from 'zod';
import type { RegistryView } from '../access/scoped-registry.js';
import type { Store } from '../store/store.js';
import { sitesOf, type ReportScope } from './energy-report.js';
import type { Period } from './periods.js';

const targetsSchema = z.strictObject({
  table: z.string().min(1),
  version: z.string().min(1),
  completeness: z.strictObject({ target: z.number().gt(0).max(1), standard: z.string().min(1) }),
  late: z.strictObject({ afterSeconds: z.number().int().positive(), meaning: z.string().min(1) }),
});
export type QualityTargets = z.output<typeof targetsSchema>;

export function readQualityTargets(file = fileURLToPath(new URL('../../data/quality-targets.yaml', import.meta.url))): QualityTargets {
  return YamlFile.read(path.resolve(file), 'quality targets').validate(targetsSchema, 'quality targets');
}

export interface SeriesQuality {
  key: string;
  gatewayId: string;
  metric: string;
  intervalMs: number;
  expected: number;
  received: number;
  completeness: number;
  meetsTarget: boolean;
  /** Of `received`, the samples stored more than late.afterSeconds after their time; null where the store no longer knows (Arrivals.late). */
  late: number | null;
  /** late ÷ received; null when nothing was received or late is not known. */
  lateShare: number | null;
}

export interface QualityReport {
  scope: ReportScope;
  period: { kind: string; label: string; fromMs: number; toMs: number; measuredToMs: number };
  target: { completeness: number; table: string; version: string; standard: string; late: { afterSeconds: number; meaning: string } };
  series: SeriesQuality[];
  /** late: summed over the series; null when the late figure of any of them is not known. */
  enterprises: Array<{ code: string; expected: number; received: number; completeness: number | null; meetsTarget: boolean | null; late: number | null }>;
  gateways: Array<{ id: string; gaps: number; droppedRecords: number; clockSkewMs: number | null }>;
  /** Series pushed by their devices (no read interval): received, but nothing expected of them. */
  unmeasured: number;
}

export async function qualityReport(
  deps: { store: Store; registry: RegistryView; targets: QualityTargets },
  options: { scope: ReportScope; period: Period; nowMs: number },
): Promise<QualityReport> {
  const { store, targets } = deps;
  const { period } = options;
  const measuredToMs = Math.max(period.fromMs, Math.min(period.toMs, options.nowMs));
  const sites = await sitesOf(deps.registry, options.scope);
  const enterpriseOf = new Map<string, string>();
  for (const site of sites) for (const gateway of site.gateways) enterpriseOf.set(gateway, site.enterpriseCode);
  const gatewayIds = [...enterpriseOf.keys()].sort();

  const lateAfterMs = targets.late.afterSeconds * 1_000;
  const series: SeriesQuality[] = [];
  let unmeasured = 0;
  for (const gatewayId of gatewayIds) {
    for (const info of await store.series({ gatewayId })) {
      if (info.intervalMs <= 0) {
        unmeasured += 1;
        continue;
      }
      const expected = Math.floor((measuredToMs - period.fromMs) / info.intervalMs);
      const { received, late } =
        measuredToMs > period.fromMs ? await store.arrivals({ seriesId: info.id, fromMs: period.fromMs, toMs: measuredToMs, lateAfterMs }) : { received: 0, late: 0 };
      const completeness = expected === 0 ? 1 : Math.min(1, received / expected);
      const lateShare = received === 0 || late === null ? null : late / received;
      series.push({ key: info.key, gatewayId, metric: info.metric, intervalMs: info.intervalMs, expected, received, completeness, meetsTarget: completeness >= targets.completeness.target, late, lateShare });
    }
  }

  const byEnterprise = new Map<string, { expected: number; received: number; late: number | null }>();
  for (const site of sites) byEnterprise.set(site.enterpriseCode, byEnterprise.get(site.enterpriseCode) ?? { expected: 0, received: 0, late: 0 });
  for (const line of series) {
    const sum = byEnterprise.get(enterpriseOf.get(line.gatewayId)!)!;
    sum.expected += line.expected;
    sum.received += Math.min(line.received, line.expected);
    // Every late sample counts, also of a series that sent more than expected: late is not capped as received is.
    sum.late = sum.late === null || line.late === null ? null : sum.late + line.late;
  }
  const enterprises = [...byEnterprise].sort(([a], [b]) => (a < b ? -1 : 1)).map(([code, sum]) => {
    const completeness = sum.expected === 0 ? null : sum.received / sum.expected;
    return { code, expected: sum.expected, received: sum.received, completeness, meetsTarget: completeness === null ? null : completeness >= targets.completeness.target, late: sum.late };
  });

  const gaps = gatewayIds.length === 0 ? [] : await store.events({ type: 'outbox.gap', gatewayIds, fromMs: period.fromMs, toMs: measuredToMs, limit: 100_000 });
  const skew = new Map((await store.gateways()).map((gateway) => [gateway.id, gateway.clockSkewMs]));
  const gateways = gatewayIds.map((id) => {
    const own = gaps.filter((event) => event.gatewayId === id);
    return { id, gaps: own.length, droppedRecords: own.reduce((sum, event) => sum + (typeof event.body.dropped === 'number' ? event.body.dropped : 0), 0), clockSkewMs: skew.get(id) ?? null };
  });

  return {
    scope: options.scope,
    period: { kind: period.kind, label: period.label, fromMs: period.fromMs, toMs: period.toMs, measuredToMs },
    target: { completeness: targets.completeness.target, table: targets.table, version: targets.version, standard: targets.completeness.standard, late: targets.late },
    series,
    enterprises,
    gateways,
    unmeasured,
  };
}
