/**
 * Report latency: the energy report of an enterprise for a month of 1-minute data, and of the
 * division holding 100 enterprises, on PostgreSQL (the province's store) — 100 enterprises,
 * each a coal mine with 3 meters (electricity, raw coal, gas) read every minute through
 * October 2026: 300 series, 13 million samples, stored through the store's own ingest and
 * folded into its rollups. Each of the 100 enterprise reports is timed; the ceiling, in the same
 * run, is the store reads alone that one report makes (its history queries), without the
 * registry lookups and the arithmetic around them.
 */
import { createLogger, creditCodeCheckCharacter } from '@davy/runtime';
import { TestPostgres } from '@davy/runtime/testing';
import { openRegistry } from '../hub/src/registry/open-registry.js';
import { readMetricCatalog } from '../hub/src/registry/metric-catalog.js';
import { CalorificValues } from '../hub/src/reports/calorific-values.js';
import { readCoefficients } from '../hub/src/reports/coefficients.js';
import { energyReport, type ReportDependencies } from '../hub/src/reports/energy-report.js';
import { parsePeriod, type Period } from '../hub/src/reports/periods.js';
import { PostgresStore } from '../hub/src/store/postgres/postgres-store.js';
import type { IngestBatch } from '../hub/src/store/store.js';
import { machine, printFigures, type Figure } from './support/report.js';

const enterprises = 100;
const meters = [
  { point: 'kwh', metric: 'active_energy_import', unit: 'kWh', perMinute: 25 },
  { point: 'coal', metric: 'raw_coal_consumption', unit: 't', perMinute: 0.2 },
  { point: 'gas', metric: 'natural_gas_consumption', unit: 'm³', perMinute: 3 },
];
const minute = 60_000;
const hour = 3_600_000;
const day = 86_400_000;
const log = createLogger({ component: 'bench', level: 'error' });

/** A valid unified social credit code for enterprise `i`. */
function creditCode(i: number): string {
  const first17 = `9114010${String(i).padStart(10, '0')}`;
  return `${first17}${creditCodeCheckCharacter(first17)}`;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/** Every minute of the month for one gateway's meters, in batches of 10,080 minutes (a week). */
function* batchesOf(gatewayId: string, month: Period): Generator<IngestBatch> {
  let seq = 0;
  const minutes = (month.toMs - month.fromMs) / minute;
  for (let start = 0; start < minutes; start += 10_080) {
    const count = Math.min(10_080, minutes - start);
    const columns = { seq: [] as number[], series: [] as number[], timeMs: [] as number[], value: [] as number[], quality: [] as number[] };
    for (let m = start; m < start + count; m += 1) {
      meters.forEach((meter, index) => {
        columns.seq.push(++seq);
        columns.series.push(index + 1);
        columns.timeMs.push(month.fromMs + m * minute);
        columns.value.push(m * meter.perMinute);
        columns.quality.push(1);
      });
    }
    yield {
      gatewayId,
      outboxId: `${gatewayId}-outbox`,
      enterpriseCode: '',
      site: '',
      sentAtMs: 0,
      receivedAtMs: 0,
      previousSeq: seq - columns.seq.length,
      series: start === 0 ? meters.map((meter, index) => ({ localId: index + 1, key: `${gatewayId}/meter/${meter.point}`, device: 'meter', point: meter.point, metric: meter.metric, unit: meter.unit, intervalMs: minute })) : [],
      samples: columns,
      events: [],
      gaps: [],
      malformed: [],
      refusedSeries: [],
    };
  }
}

export async function run(): Promise<Figure[]> {
  console.log(machine());
  const server = await TestPostgres.start({ settings: { fsync: 'on', shared_buffers: '1GB', max_wal_size: '8GB', checkpoint_timeout: '30min' } });
  try {
    const url = await server.createDatabase('bench_reports');
    const store = await PostgresStore.open(url, { foldIntervalMs: 3_600_000, log });
    const registry = await openRegistry({ engine: 'postgres', url }, '/nonexistent', log);
    const month = parsePeriod('month', '2026-10', 8 * hour) as Period;
    await store.partitions.ensure([month.fromMs - day, month.toMs]);
    const loadStarted = performance.now();
    for (let i = 0; i < enterprises; i += 1) {
      const code = creditCode(i);
      await registry.createEnterprise({ code, name: `Mine ${i}` });
      const site = await registry.createSite({ enterpriseCode: code, name: 'Mine', kind: 'coal_mine', regionCode: `1401${String((i % 9) + 1).padStart(2, '0')}`, location: null });
      await registry.assignGateway(site.id, `gw-${i}`);
      for (const batch of batchesOf(`gw-${i}`, month)) await store.ingest([batch]);
    }
    for (let pass = 0; pass < 1_000 && (await store.fold.run()) > 0; pass += 1);
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    const coefficients = readCoefficients();
    const deps: ReportDependencies = { store, registry, catalog: readMetricCatalog(), coefficients, calorificValues: new CalorificValues(registry.db, coefficients.standardCoal) };
    const options = (scope: Parameters<typeof energyReport>[1]['scope']) => ({ scope, period: month, gridYear: '2023', gridRegion: 'north_china' });
    const timings: number[] = [];
    const reads: number[] = [];
    let checked = 0;
    for (let i = 0; i < enterprises; i += 1) {
      const started = performance.now();
      const report = await energyReport(deps, options({ kind: 'enterprise', code: creditCode(i) }));
      timings.push(performance.now() - started);
      // Electricity read 25 kWh a minute from 0 at the first minute: 25 × (44,640 − 1) kWh in the month.
      if (report.energy.find((line) => line.energy === 'electricity')?.quantity === 25 * (44_640 - 1)) checked += 1;
      const readsStarted = performance.now();
      for (const series of await store.series({ gatewayId: `gw-${i}` })) {
        await store.history({ seriesId: series.id, fromMs: month.fromMs - 31 * day, toMs: month.fromMs, stepMs: 31 * day, alignMs: month.fromMs, agg: 'last' });
        await store.history({ seriesId: series.id, fromMs: month.fromMs, toMs: month.toMs, stepMs: hour, alignMs: month.fromMs, agg: 'last' });
      }
      reads.push(performance.now() - readsStarted);
    }
    const regionStarted = performance.now();
    const region = await energyReport(deps, options({ kind: 'region', code: '140100' }));
    const regionMs = performance.now() - regionStarted;
    timings.sort((a, b) => a - b);
    reads.sort((a, b) => a - b);
    await Promise.all([store.close(), registry.close()]);
    if (checked !== enterprises || region.sites !== enterprises) throw new Error(`the reports came out wrong: ${checked} of ${enterprises} enterprise reports right, ${region.sites} sites in the division's`);
    // Times: lower is better, so the ceiling (the reads alone) is printed as its own rows.
    const figures: Figure[] = [
      {
        measure: 'energy report of one enterprise, a month of 1-minute data (3 meters), PostgreSQL: p50 / p99',
        value: percentile(timings, 0.5),
        unit: 'ms',
        note: `p99 ${percentile(timings, 0.99).toFixed(1)} ms; 100 enterprises one after another; data (13.4 M samples) loaded and folded in ${Math.round(loadSeconds)} s`,
      },
      { measure: "  ceiling: the report's store reads alone, p50 / p99", value: percentile(reads, 0.5), unit: 'ms', note: `p99 ${percentile(reads, 0.99).toFixed(1)} ms` },
      { measure: 'energy report of the division holding all 100 enterprises (300 meters)', value: regionMs, unit: 'ms', note: 'one report' },
    ];
    printFigures(figures);
    return figures;
  } finally {
    await server.close();
  }
}
