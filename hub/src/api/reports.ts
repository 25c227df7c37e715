/**
 * GET /api/v1/reports/energy — the energy, carbon and production report of an enterprise, a
 * site or a division, for a day, a month or a year, as JSON or CSV, within the caller's scope
 * (reports/energy-report.ts). Every export is recorded in the audit log.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { RegistryView } from '../access/scoped-registry.js';
import type { MetricCatalog } from '../registry/metric-catalog.js';
import { regionCodeProblem } from '../registry/region-code.js';
import type { CalorificValues } from '../reports/calorific-values.js';
import type { Coefficients } from '../reports/coefficients.js';
import { energyReport, type ReportScope } from '../reports/energy-report.js';
import { parsePeriod, type Period } from '../reports/periods.js';
import { qualityReport, type QualityTargets } from '../reports/quality-report.js';
import { reportCsv } from '../reports/report-csv.js';
import type { Store } from '../store/store.js';
import { jsonContent } from './json-content.js';
import { ApiProblem, problemResponses } from './problem.js';
import { asProblem } from './refusal-problem.js';
import { utcOffsetParam } from './time-params.js';

/** What every report is of: one enterprise, site or division, and a period. */
const scopeAndPeriod = {
  enterprise: z.string().min(1).max(64).optional().openapi({ description: 'An enterprise (credit code): all its sites' }),
  site: z.coerce.number().int().positive().optional().openapi({ description: 'One site' }),
  region: z.string().min(1).max(16).optional().openapi({ description: 'A division (GB/T 2260): every site in it and under it' }),
  period: z.enum(['day', 'month', 'year']),
  at: z.string().min(1).max(10).openapi({ description: 'The day, month or year: 2026-10-05, 2026-10, 2026', example: '2026-10' }),
  tz: utcOffsetParam.optional().openapi({ description: 'UTC offset of the period boundaries; default +08:00' }),
};

function checkScope(query: { enterprise?: string; site?: number; region?: string }, ctx: z.RefinementCtx): void {
  const given = (['enterprise', 'site', 'region'] as const).filter((name) => query[name] !== undefined);
  if (given.length !== 1) ctx.addIssue({ code: 'custom', path: ['enterprise'], message: `give exactly one of enterprise, site and region (given: ${given.join(', ') || 'none'})` });
  if (query.region !== undefined) {
    const problem = regionCodeProblem(query.region);
    if (problem) ctx.addIssue({ code: 'custom', path: ['region'], message: problem });
  }
}

const ReportQuery = z
  .strictObject({
    ...scopeAndPeriod,
    gridYear: z.string().regex(/^\d{4}$/).optional().openapi({ description: 'Data year of the grid CO2 factor; default the newest in the table' }),
    gridRegion: z.string().min(1).max(40).optional().openapi({ description: 'national (default), north_china, …' }),
    naturalGasKgcePerM3: z.coerce.number().optional().openapi({ description: 'kgce per m³ of the gas supplied, 1.1000–1.3300; default 1.3300' }),
    format: z.enum(['json', 'csv']).optional().openapi({ description: 'json (default) or csv' }),
  })
  .superRefine(checkScope);

const QualityQuery = z.strictObject(scopeAndPeriod).superRefine(checkScope);

/** The scope and period a report query names; a period that does not exist is a 400 naming `at`. */
function scopeAndPeriodOf(query: z.infer<typeof QualityQuery>): { scope: ReportScope; period: Period } {
  const period = parsePeriod(query.period, query.at, query.tz ?? 8 * 3_600_000);
  if (typeof period === 'string') throw ApiProblem.invalidParameters([{ name: 'at', in: 'query', detail: period }]);
  const scope: ReportScope =
    query.enterprise !== undefined ? { kind: 'enterprise', code: query.enterprise.toUpperCase() } : query.site !== undefined ? { kind: 'site', id: query.site } : { kind: 'region', code: query.region! };
  return { scope, period };
}

const LineSchema = z.object({
  metric: z.string(),
  energy: z.string(),
  quantity: z.number(),
  unit: z.string(),
  kgcePerUnit: z.number().openapi({ description: "The table's coefficient; measured calorific values replaced it for the quantities in `measured`" }),
  coefficientUnit: z.string(),
  tce: z.number(),
  tceEqualValue: z.number().nullable(),
  tco2: z.number().nullable(),
  series: z.number().int(),
  measured: z.array(
    z.object({
      id: z.number().int(),
      enterpriseCode: z.string(),
      validFromMs: z.number().int(),
      ncvKjPerUnit: z.number(),
      kgcePerUnit: z.number().openapi({ description: 'NCV ÷ 29,307 kJ/kgce' }),
      note: z.string(),
      quantity: z.number().openapi({ description: 'What it covered, in the coefficient unit' }),
    }),
  ),
});

const ReportSchema = z
  .object({
    scope: z.record(z.string(), z.unknown()),
    period: z.object({ kind: z.string(), label: z.string(), fromMs: z.number(), toMs: z.number(), utcOffsetMs: z.number() }),
    sites: z.number().int(),
    gateways: z.number().int(),
    energy: z.array(LineSchema),
    totals: z.object({ tce: z.number(), tceEqualValue: z.number().nullable(), tco2: z.number() }),
    production: z.array(z.object({ metric: z.string(), kind: z.string(), quantity: z.number(), unit: z.string(), reading: z.enum(['counter', 'instant']), series: z.number().int() })),
    sources: z.record(z.string(), z.unknown()).openapi({ description: 'The tables and versions every figure comes from' }),
  })
  .openapi('EnergyReport');

export const QualityReportSchema = z
  .object({
    scope: z.record(z.string(), z.unknown()),
    period: z.object({ kind: z.string(), label: z.string(), fromMs: z.number(), toMs: z.number(), measuredToMs: z.number().openapi({ description: 'Up to now for a period not over yet' }) }),
    target: z
      .object({
        completeness: z.number(),
        table: z.string(),
        version: z.string(),
        standard: z.string(),
        late: z.object({ afterSeconds: z.number().int(), meaning: z.string() }).openapi({ description: 'What counts as late: stored more than afterSeconds after its sample time' }),
      })
      .openapi({ description: 'From hub/data/quality-targets.yaml, as of its version' }),
    series: z.array(
      z.object({
        key: z.string(),
        gatewayId: z.string(),
        metric: z.string(),
        intervalMs: z.number().int(),
        expected: z.number().int(),
        received: z.number().int().openapi({ description: 'Valid (good and uncertain) samples of the period, by sample time, whenever they arrived' }),
        completeness: z.number(),
        meetsTarget: z.boolean(),
        late: z
          .number()
          .int()
          .nullable()
          .openapi({ description: 'Of received, those stored more than target.late.afterSeconds after their sample time; null where raw samples were dropped by retention (PostgreSQL keeps only hourly counts)' }),
        lateShare: z.number().nullable().openapi({ description: 'late ÷ received; null when nothing was received or late is null' }),
      }),
    ),
    enterprises: z.array(
      z.object({
        code: z.string(),
        expected: z.number().int(),
        received: z.number().int(),
        completeness: z.number().nullable(),
        meetsTarget: z.boolean().nullable(),
        late: z.number().int().nullable().openapi({ description: "The series' late summed; null when any of them is null" }),
      }),
    ),
    gateways: z.array(z.object({ id: z.string(), gaps: z.number().int(), droppedRecords: z.number(), clockSkewMs: z.number().nullable() })),
    unmeasured: z.number().int().openapi({ description: 'Series pushed by their devices (no read interval): nothing is expected of them' }),
  })
  .openapi('QualityReport');

const route = createRoute({
  method: 'get',
  path: '/api/v1/reports/energy',
  tags: ['reports'],
  summary: 'Energy (tce), CO2 and production of an enterprise, site or division',
  request: { query: ReportQuery },
  responses: {
    200: { description: 'The report', content: { ...jsonContent(ReportSchema), 'text/csv': { schema: z.string() } } },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'not-found', 'internal-error', 'unavailable'),
  },
});

const qualityRoute = createRoute({
  method: 'get',
  path: '/api/v1/reports/quality',
  tags: ['reports'],
  summary: 'Data quality of an enterprise, site or division: completeness, late samples, gaps, clock skew',
  request: { query: QualityQuery },
  responses: {
    200: { description: 'The report', content: jsonContent(QualityReportSchema) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'not-found', 'internal-error', 'unavailable'),
  },
});

export function reportRoutes(deps: { store: Store; registry: RegistryView; catalog: MetricCatalog; coefficients: Coefficients; calorificValues: CalorificValues; targets: QualityTargets; now: () => number }): OpenAPIHono {
  const newestGridYear = Object.keys(deps.coefficients.co2.grid).sort().at(-1)!;
  return new OpenAPIHono().openapi(qualityRoute, async (c) => {
    const { scope, period } = scopeAndPeriodOf(c.req.valid('query'));
    return c.json(await asProblem(() => qualityReport(deps, { scope, period, nowMs: deps.now() }), 'query'), 200);
  }).openapi(route, async (c) => {
    const query = c.req.valid('query');
    const { scope, period } = scopeAndPeriodOf(query);
    const settings = { scope, period, gridYear: query.gridYear ?? newestGridYear, gridRegion: query.gridRegion ?? 'national', naturalGasKgcePerM3: query.naturalGasKgcePerM3 };
    const report = await asProblem(() => energyReport(deps, settings), 'query');
    if (query.format === 'csv') return c.body(reportCsv(report), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
    return c.json(report, 200);
  });
}
