/**
 * The energy, carbon and production report of an enterprise, a site or a division for a day,
 * a month or a year: what each metric of the catalog counted (a meter's increments, or an
 * instant's last level), energy in tonnes of standard coal (GB/T 2589-2020; electricity by its
 * equivalent value, with the year's equal value beside it), CO2 by grid factor and fuel factor,
 * production, generation and charging — every figure traceable to the table and version that
 * made it, which the report names. An enterprise's measured calorific value of a fuel replaces
 * the reference one, hour by hour from its time, and the line lists each one it used.
 */
import type { RegistryView } from '../access/scoped-registry.js';
import type { Metric, MetricCatalog } from '../registry/metric-catalog.js';
import type { Site } from '../registry/registry.js';
import { Refusal } from '../refusal.js';
import type { SeriesInfo, Store } from '../store/store.js';
import { valueInForce, type CalorificValue, type CalorificValues } from './calorific-values.js';
import { fuelCo2KgPerUnit, type Coefficients } from './coefficients.js';
import { counterIncrements } from './counter-increments.js';
import type { Period } from './periods.js';

export type ReportScope = { kind: 'enterprise'; code: string } | { kind: 'site'; id: number } | { kind: 'region'; code: string };

export interface ReportOptions {
  scope: ReportScope;
  period: Period;
  /** Grid factor: data year and region (national, north_china, …). */
  gridYear: string;
  gridRegion: string;
  /** kgce per m³ of natural gas, within the table's range; the table's default unless given. */
  naturalGasKgcePerM3?: number;
}

export interface EnergyLine {
  metric: string;
  energy: string;
  quantity: number;
  unit: string;
  kgcePerUnit: number;
  coefficientUnit: string;
  tce: number;
  /** Electricity only: by the year's equal value. */
  tceEqualValue: number | null;
  /** null where the tables hold no factor (heat, steam). */
  tco2: number | null;
  series: number;
  /** The measured calorific values that replaced `kgcePerUnit` (and the fuel's NCV for CO2), each for the quantity it covered. */
  measured: MeasuredUse[];
}

export interface MeasuredUse {
  id: number;
  enterpriseCode: string;
  validFromMs: number;
  ncvKjPerUnit: number;
  kgcePerUnit: number;
  note: string;
  /** In the coefficient's unit. */
  quantity: number;
}

export interface QuantityLine {
  metric: string;
  kind: string;
  quantity: number;
  unit: string;
  reading: 'counter' | 'instant';
  series: number;
}

export interface EnergyReport {
  scope: ReportScope;
  period: { kind: string; label: string; fromMs: number; toMs: number; utcOffsetMs: number };
  sites: number;
  gateways: number;
  energy: EnergyLine[];
  totals: { tce: number; tceEqualValue: number | null; tco2: number };
  production: QuantityLine[];
  sources: {
    standardCoal: { table: string; version: string };
    co2: { table: string; version: string; gridYear: string; gridRegion: string; kgCo2PerKwh: number };
    electricityEqualValue: { year: string; kgcePerUnit: number; provisional: boolean } | null;
    metricCatalog: string;
    provisional: string[];
  };
}


/** Units a metric is read in, to the unit its coefficient is per. */
const conversions: Record<string, Record<string, number>> = { t: { kg: 1000 }, GJ: { MJ: 1000 } };

function convert(quantity: number, from: string, to: string): number {
  if (from === to) return quantity;
  const factor = conversions[from]?.[to];
  if (factor === undefined) throw new Error(`the catalog reads in ${from}, the coefficient is per ${to}, and no conversion between them is known`);
  return quantity * factor;
}

const day = 86_400_000;
const hour = 3_600_000;

export interface ReportDependencies {
  store: Store;
  registry: RegistryView;
  catalog: MetricCatalog;
  coefficients: Coefficients;
  calorificValues: CalorificValues;
}

export async function sitesOf(registry: RegistryView, scope: ReportScope): Promise<Site[]> {
  if (scope.kind === 'site') {
    const site = await registry.site(scope.id);
    if (!site) throw new Refusal('not-found', 'site', `there is no site ${scope.id}`);
    return [site];
  }
  if (scope.kind === 'enterprise') {
    if (!(await registry.enterprise(scope.code))) throw new Refusal('not-found', 'enterprise', `there is no enterprise ${scope.code}`);
    return registry.sites({ enterpriseCode: scope.code });
  }
  const sites = await registry.sites({ regionCode: scope.code });
  if (sites.length === 0) throw new Refusal('not-found', 'region', `no site of yours lies in division ${scope.code}`);
  return sites;
}

/** A part of what a series counted: from its start on (an hour of a meter; the period for a level). */
interface Counted {
  startMs: number;
  quantity: number;
}

/** What one series counted in the period: a meter's increments hour by hour, or a level's last reading. */
async function countsOf(store: Store, series: SeriesInfo, metric: Metric, period: Period): Promise<Counted[]> {
  if (metric.reading === 'instant') {
    const [last] = await store.history({ seriesId: series.id, fromMs: period.fromMs, toMs: period.toMs, stepMs: period.toMs - period.fromMs, alignMs: period.fromMs, agg: 'last' });
    return [{ startMs: period.fromMs, quantity: last?.value ?? 0 }];
  }
  // The last reading in the 31 days before the period (else the first in it), then the last of each hour in it.
  const [before] = await store.history({ seriesId: series.id, fromMs: period.fromMs - 31 * day, toMs: period.fromMs, stepMs: 31 * day, alignMs: period.fromMs, agg: 'last' });
  let baseline = before?.value ?? null;
  if (baseline === null) {
    const [first] = await store.rawPoints({ seriesId: series.id, fromMs: period.fromMs, toMs: period.toMs, limit: 1 });
    baseline = first?.value ?? null;
  }
  const hours = await store.history({ seriesId: series.id, fromMs: period.fromMs, toMs: period.toMs, stepMs: hour, alignMs: period.fromMs, agg: 'last' });
  const increments = counterIncrements(baseline, hours.map((bucket) => bucket.value));
  return hours.map((bucket, index) => ({ startMs: bucket.startMs, quantity: increments[index]! }));
}

/** What a metric counted in the report: in all, and part by part for each enterprise with measured calorific values of its energy (they are per enterprise and time). */
interface MetricCount {
  quantity: number;
  series: number;
  byEnterprise: Map<string, Counted[]>;
}

export async function energyReport(deps: ReportDependencies, options: ReportOptions): Promise<EnergyReport> {
  const { standardCoal, co2 } = deps.coefficients;
  const gridYear = co2.grid[options.gridYear];
  if (!gridYear) throw new Refusal('invalid', 'gridYear', `has no grid factors; the tables hold ${Object.keys(co2.grid).join(', ')}`);
  const kgCo2PerKwh = gridYear[options.gridRegion];
  if (kgCo2PerKwh === undefined) throw new Refusal('invalid', 'gridRegion', `has no ${options.gridYear} grid factor; there are ${Object.keys(gridYear).join(', ')}`);
  const gas = standardCoal.energies.natural_gas;
  if (options.naturalGasKgcePerM3 !== undefined && gas?.range && (options.naturalGasKgcePerM3 < gas.range[0] || options.naturalGasKgcePerM3 > gas.range[1])) {
    throw new Refusal('invalid', 'naturalGasKgcePerM3', `is outside ${gas.range[0]}–${gas.range[1]} kgce/m³ (GB/T 2589-2020)`);
  }

  const sites = await sitesOf(deps.registry, options.scope);
  const enterpriseOf = new Map(sites.flatMap((site) => site.gateways.map((gateway) => [gateway, site.enterpriseCode] as const)));
  const gateways = [...enterpriseOf.keys()].sort();
  const metrics = new Map(deps.catalog.metrics.map((metric) => [metric.name, metric]));
  const measured = new Map<string, CalorificValue[]>();
  for (const value of await deps.calorificValues.of([...new Set(enterpriseOf.values())])) {
    const key = `${value.enterpriseCode}\u0000${value.energy}`;
    const values = measured.get(key);
    if (values) values.push(value);
    else measured.set(key, [value]);
  }
  const quantities = new Map<string, MetricCount>();
  for (const gatewayId of gateways) {
    for (const series of await deps.store.series({ gatewayId })) {
      const metric = metrics.get(series.metric);
      if (!metric || metric.kind === 'safety') continue;
      const counted = await countsOf(deps.store, series, metric, options.period);
      const sum = quantities.get(metric.name) ?? { quantity: 0, series: 0, byEnterprise: new Map<string, Counted[]>() };
      sum.quantity += counted.reduce((total, part) => total + part.quantity, 0);
      sum.series += 1;
      // The hour-by-hour parts are kept only where a measured calorific value may apply to them.
      const enterprise = enterpriseOf.get(gatewayId)!;
      if (measured.has(`${enterprise}\u0000${metric.energy}`)) {
        const parts = sum.byEnterprise.get(enterprise);
        if (parts) for (const part of counted) parts.push(part);
        else sum.byEnterprise.set(enterprise, counted);
      }
      quantities.set(metric.name, sum);
    }
  }

  const year = options.period.label.slice(0, 4);
  const equal = standardCoal.electricityEqualValue[year];
  const provisional: string[] = [];
  const energy: EnergyLine[] = [];
  const production: QuantityLine[] = [];
  for (const metric of deps.catalog.metrics) {
    const found = quantities.get(metric.name);
    if (!found) continue;
    if (metric.energy === 'none') {
      if (metric.kind !== 'energy') production.push({ metric: metric.name, kind: metric.kind, quantity: found.quantity, unit: metric.unit, reading: metric.reading, series: found.series });
      continue;
    }
    const coefficient = standardCoal.energies[metric.energy];
    if (!coefficient) throw new Error(`the standard-coal table has no coefficient for ${metric.energy}`);
    const kgcePerUnit = metric.energy === 'natural_gas' && options.naturalGasKgcePerM3 !== undefined ? options.naturalGasKgcePerM3 : coefficient.kgcePerUnit;
    const inCoefficientUnit = convert(found.quantity, metric.unit, coefficient.unit);
    let tco2: number | null = null;
    let tceEqualValue: number | null = null;
    let tce = (inCoefficientUnit * kgcePerUnit) / 1000;
    const measuredLines: MeasuredUse[] = [];
    if (metric.energy === 'electricity') {
      tco2 = (inCoefficientUnit * kgCo2PerKwh) / 1000;
      if (equal) {
        tceEqualValue = (inCoefficientUnit * equal.kgcePerUnit) / 1000;
        if (equal.provisional) provisional.push(`electricity equal value ${year}`);
      }
    } else {
      const fuel = co2.fuels[metric.energy];
      if (fuel) {
        tco2 = (convert(found.quantity, metric.unit, fuel.unit) * fuelCo2KgPerUnit(fuel)) / 1000;
        if (fuel.provisional) provisional.push(`CO2 factor of ${metric.energy}`);
      }
      // Measured calorific values replace the reference ones for the quantities they cover.
      for (const [enterpriseCode, parts] of found.byEnterprise) {
        const values = measured.get(`${enterpriseCode}\u0000${metric.energy}`);
        if (!values) continue;
        const uses = new Map<number, MeasuredUse>();
        for (const part of parts) {
          const value = valueInForce(values, part.startMs);
          if (!value || part.quantity === 0) continue;
          const quantity = convert(part.quantity, metric.unit, coefficient.unit);
          tce += (quantity * (value.ncvKjPerUnit / standardCoal.kjPerKgce - kgcePerUnit)) / 1000;
          // Both tables count a measurable fuel in one unit (readCoefficients checks it).
          if (fuel && tco2 !== null) {
            tco2 += (quantity * (fuelCo2KgPerUnit({ ...fuel, ncvGjPerUnit: value.ncvKjPerUnit / 1e6 }) - fuelCo2KgPerUnit(fuel))) / 1000;
          }
          const use = uses.get(value.id) ?? { id: value.id, enterpriseCode, validFromMs: value.validFromMs, ncvKjPerUnit: value.ncvKjPerUnit, kgcePerUnit: value.ncvKjPerUnit / standardCoal.kjPerKgce, note: value.note, quantity: 0 };
          use.quantity += quantity;
          uses.set(value.id, use);
        }
        measuredLines.push(...uses.values());
      }
    }
    energy.push({ metric: metric.name, energy: metric.energy, quantity: found.quantity, unit: metric.unit, kgcePerUnit, coefficientUnit: coefficient.unit, tce, tceEqualValue, tco2, series: found.series, measured: measuredLines });
  }

  const tce = energy.reduce((sum, line) => sum + line.tce, 0);
  const electricityEquivalent = energy.filter((line) => line.energy === 'electricity').reduce((sum, line) => sum + line.tce, 0);
  const electricityEqual = energy.filter((line) => line.energy === 'electricity').reduce((sum, line) => sum + (line.tceEqualValue ?? 0), 0);
  const hasElectricity = energy.some((line) => line.energy === 'electricity');
  return {
    scope: options.scope,
    period: { kind: options.period.kind, label: options.period.label, fromMs: options.period.fromMs, toMs: options.period.toMs, utcOffsetMs: options.period.utcOffsetMs },
    sites: sites.length,
    gateways: gateways.length,
    energy,
    totals: {
      tce,
      tceEqualValue: hasElectricity && !equal ? null : tce - electricityEquivalent + electricityEqual,
      tco2: energy.reduce((sum, line) => sum + (line.tco2 ?? 0), 0),
    },
    production,
    sources: {
      standardCoal: { table: standardCoal.table, version: standardCoal.version },
      co2: { table: co2.table, version: co2.version, gridYear: options.gridYear, gridRegion: options.gridRegion, kgCo2PerKwh },
      electricityEqualValue: equal ? { year, kgcePerUnit: equal.kgcePerUnit, provisional: equal.provisional ?? false } : null,
      metricCatalog: deps.catalog.version,
      provisional,
    },
  };
}
