/**
 * GET /api/v1/series/history — one series over [from, to): aggregated into buckets when a
 * step is given, else its raw points, paged by an opaque cursor on (time, seq).
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Aggregate, Store } from '../store/store.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { cursorParam, limitParam, NextCursorSchema, page } from './paging.js';
import { ApiProblem, problemResponses } from './problem.js';
import { queryText, quoted } from './query-text.js';
import { QualitySchema } from './series.js';
import { formatUtcOffset, instantParam, stepParam, utcOffsetParam } from './time-params.js';

const maxBuckets = 10_000;
const rawPage = { defaultLimit: 1000, maxLimit: 10_000 };
const aggregates = ['avg', 'min', 'max', 'sum', 'count', 'last'] as const satisfies readonly Aggregate[];
const defaultAggregate: Aggregate = 'avg';

const PointPosition = z.object({ k: z.literal('points'), t: z.number().int(), s: z.number().int() });

/** The instant buckets are counted from, in (-step, 0], so that buckets start at local multiples of the step. */
function bucketAlignMs(utcOffsetMs: number, stepMs: number): number {
  return -(((utcOffsetMs % stepMs) + stepMs) % stepMs);
}

function bucketCount(fromMs: number, toMs: number, stepMs: number, alignMs: number): number {
  const firstStart = alignMs + Math.floor((fromMs - alignMs) / stepMs) * stepMs;
  return Math.ceil((toMs - firstStart) / stepMs);
}

const HistoryQuery = z
  .strictObject({
    key: queryText(512).openapi({ description: 'Series key <gateway>/<device>/<point>', example: 'gw-shanxi-01/ch4-sensor-3/ch4' }),
    from: instantParam('Start, inclusive'),
    to: instantParam('End, exclusive'),
    step: stepParam.optional(),
    agg: z
      .enum(aggregates, {
        error: (issue) => (Array.isArray(issue.input) ? 'must be given once' : `must be one of ${aggregates.join(', ')}, got ${quoted(String(issue.input))}`),
      })
      .optional()
      .openapi({ description: 'How a bucket sums up its good and uncertain samples (with step only)', default: defaultAggregate }),
    tz: utcOffsetParam.optional(),
    limit: limitParam(rawPage.maxLimit).optional().openapi({ default: rawPage.defaultLimit, description: `Raw points per page, 1 to ${rawPage.maxLimit} (without step only)` }),
    cursor: cursorParam(PointPosition).optional(),
  })
  .superRefine((query, ctx) => {
    const issue = (name: string, message: string) => ctx.addIssue({ code: 'custom', path: [name], message });
    // A parameter that failed to parse has its own issue already; the checks below need them all.
    if ([query.from, query.to, query.step ?? 0, query.tz ?? 0].some((value) => typeof value !== 'number')) return;
    if (query.from >= query.to) {
      issue('from', `must be before to (to is exclusive), got from ${rfc3339(query.from)} and to ${rfc3339(query.to)}`);
      return;
    }
    if (query.step === undefined) {
      if (query.agg !== undefined) issue('agg', 'aggregates buckets: give step too');
      if (query.tz !== undefined) issue('tz', 'aligns buckets: give step too');
      return;
    }
    if (query.limit !== undefined) issue('limit', 'pages raw points: leave it out when giving step');
    if (query.cursor !== undefined) issue('cursor', 'pages raw points: leave it out when giving step');
    const count = bucketCount(query.from, query.to, query.step, bucketAlignMs(query.tz ?? 0, query.step));
    if (count > maxBuckets) {
      issue('step', `${query.step} ms steps from ${rfc3339(query.from)} to ${rfc3339(query.to)} make ${count} buckets, more than ${maxBuckets}: narrow the range or widen the step`);
    }
  });

const seriesWindow = {
  key: z.string(),
  metric: z.string(),
  unit: z.string(),
  from: Rfc3339Schema,
  fromMs: UnixMsSchema,
  to: Rfc3339Schema.openapi({ description: 'RFC 3339 UTC, exclusive' }),
  toMs: UnixMsSchema,
};

const BucketHistorySchema = z
  .object({
    ...seriesWindow,
    stepMs: z.number().int(),
    agg: z.enum(aggregates),
    tz: z.string().openapi({ description: 'UTC offset the buckets align to', example: '+08:00' }),
    buckets: z.array(
      z.object({
        start: Rfc3339Schema,
        startMs: UnixMsSchema,
        value: z.number().nullable().openapi({ description: 'null when the bucket has no good or uncertain sample (0 for agg=count)' }),
        count: z.number().int().openapi({ description: 'Good and uncertain samples in the bucket' }),
      }),
    ).openapi({ description: 'Every bucket from the one holding from up to to, empty ones included; the first and last may be partial' }),
  })
  .openapi('BucketHistory');

const PointHistorySchema = z
  .object({
    ...seriesWindow,
    points: z.array(
      z.object({
        time: Rfc3339Schema,
        timeMs: UnixMsSchema,
        value: z.number().nullable().openapi({ description: 'null when the quality is bad' }),
        quality: QualitySchema,
      }),
    ).openapi({ description: 'Oldest first; samples with one time come in the order the gateway recorded them' }),
    nextCursor: NextCursorSchema,
  })
  .openapi('PointHistory');

const route = createRoute({
  method: 'get',
  path: '/api/v1/series/history',
  tags: ['series'],
  summary: 'History of one series: buckets (with step) or raw points (without)',
  request: { query: HistoryQuery },
  responses: {
    200: { description: 'Buckets when step is given, else a page of raw points', content: { 'application/json': { schema: z.union([BucketHistorySchema, PointHistorySchema]) } } },
    ...problemResponses('invalid-parameters', 'unauthorized', 'not-found', 'internal-error', 'unavailable'),
  },
});

export function seriesHistoryRoutes(store: Store): OpenAPIHono {
  return new OpenAPIHono().openapi(route, async (c) => {
    const query = c.req.valid('query');
    const series = await store.seriesByKey(query.key);
    if (!series) throw new ApiProblem('not-found', `no series has the key ${quoted(query.key)}`);
    const head = {
      key: series.key,
      metric: series.metric,
      unit: series.unit,
      from: rfc3339(query.from),
      fromMs: query.from,
      to: rfc3339(query.to),
      toMs: query.to,
    };
    if (query.step !== undefined) {
      const utcOffsetMs = query.tz ?? 0;
      const agg = query.agg ?? defaultAggregate;
      const buckets = await store.history({
        seriesId: series.id,
        fromMs: query.from,
        toMs: query.to,
        stepMs: query.step,
        agg,
        alignMs: bucketAlignMs(utcOffsetMs, query.step),
      });
      return c.json({
        ...head,
        stepMs: query.step,
        agg,
        tz: formatUtcOffset(utcOffsetMs),
        buckets: buckets.map((bucket) => ({ start: rfc3339(bucket.startMs), startMs: bucket.startMs, value: bucket.value, count: bucket.count })),
      }, 200);
    }
    const limit = query.limit ?? rawPage.defaultLimit;
    const rows = await store.rawPoints({
      seriesId: series.id,
      fromMs: query.from,
      toMs: query.to,
      limit: limit + 1,
      after: query.cursor && { timeMs: query.cursor.t, seq: query.cursor.s },
    });
    const { items, nextCursor } = page(rows, limit, (last) => ({ k: 'points', t: last.timeMs, s: last.seq }));
    return c.json({
      ...head,
      points: items.map((point) => ({ time: rfc3339(point.timeMs), timeMs: point.timeMs, value: point.value, quality: point.quality })),
      nextCursor,
    }, 200);
  });
}
