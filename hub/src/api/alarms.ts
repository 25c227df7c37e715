/**
 * /api/v1/alarms — the alarms the rule tables raised, within the caller's scope: list them,
 * read one with its history, acknowledge one with a comment; /api/v1/alarm-rules — the tables.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { currentActor, visibleGateways } from '../access/principal.js';
import { AcknowledgeError, alarmSubjects, type Alarm, type AlarmStore } from '../alarms/alarm-store.js';
import { severities, type RuleTable } from '../alarms/rule-tables.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { jsonContent } from './json-content.js';
import { ApiProblem, problemResponses } from './problem.js';

const AlarmSchema = z
  .object({
    id: z.number().int(),
    ruleTable: z.string(),
    tableVersion: z.string(),
    ruleId: z.string(),
    standard: z.string().openapi({ description: 'The standard and clause of the values that raised it' }),
    subject: z.enum(alarmSubjects).openapi({ description: "What the alarm is on: a series' values or silence, a device its gateway reports offline, a silent gateway" }),
    subjectKey: z.string().openapi({ description: 'The series key, gateway/device, or the gateway id' }),
    seriesKey: z.string().nullable(),
    gatewayId: z.string(),
    device: z.string().nullable(),
    metric: z.string().nullable(),
    location: z.string().nullable(),
    severity: z.enum(severities),
    active: z.boolean().openapi({ description: 'Not cleared yet' }),
    acknowledged: z.boolean(),
    raised: Rfc3339Schema,
    raisedMs: UnixMsSchema,
    lastMs: UnixMsSchema,
    clearedMs: UnixMsSchema.nullable(),
    acknowledgedMs: UnixMsSchema.nullable(),
    acknowledgedBy: z.string().nullable(),
    ackComment: z.string().nullable(),
    firstValue: z.number().openapi({ description: 'The value that raised it; for a silent series, gateway or device, the silence in seconds' }),
    lastValue: z.number().openapi({ description: 'The newest value; once a silence is over, how many seconds it lasted' }),
    worstValue: z.number(),
    triggers: z.number().int().openapi({ description: 'Samples that met the rule while it was active (1 for a silence)' }),
  })
  .openapi('Alarm');

const HistorySchema = z.object({
  timeMs: UnixMsSchema,
  what: z.enum(['raised', 'escalated', 'cleared', 'acknowledged']),
  value: z.number().nullable(),
  actor: z.string().nullable(),
  comment: z.string().nullable(),
});

const AlarmQuery = z.strictObject({
  state: z.enum(['open', 'active', 'unacknowledged', 'all']).optional().openapi({ description: 'open (default): active or not acknowledged' }),
  severity: z.enum(severities).optional(),
  gateway: z.string().min(1).max(200).optional(),
  subject: z.enum(alarmSubjects).optional().openapi({ description: "Only alarms on series (values or silence), devices (offline, their events) or gateways (silent, their events)" }),
  limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ default: 100 }),
  before: z.coerce.number().int().positive().optional().openapi({ description: 'Only alarms with a smaller id (the next page)' }),
});

const IdParams = z.strictObject({ id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' }, example: 1 }) });
const AckSchema = z.strictObject({ comment: z.string().trim().min(1).max(1000).openapi({ description: 'What was done, or why it is acknowledged' }) }).openapi('Acknowledgement');

const list = createRoute({
  method: 'get',
  path: '/api/v1/alarms',
  tags: ['alarms'],
  summary: 'List alarms, newest first',
  request: { query: AlarmQuery },
  responses: {
    200: { description: 'Alarms', content: jsonContent(z.object({ items: z.array(AlarmSchema) })) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'internal-error', 'unavailable'),
  },
});

const read = createRoute({
  method: 'get',
  path: '/api/v1/alarms/{id}',
  tags: ['alarms'],
  summary: 'Read an alarm with its history',
  request: { params: IdParams },
  responses: {
    200: { description: 'The alarm', content: jsonContent(AlarmSchema.extend({ history: z.array(HistorySchema) })) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'not-found', 'internal-error', 'unavailable'),
  },
});

const ack = createRoute({
  method: 'post',
  path: '/api/v1/alarms/{id}/ack',
  tags: ['alarms'],
  summary: 'Acknowledge an alarm, active or cleared',
  request: { params: IdParams, body: { required: true, content: jsonContent(AckSchema) } },
  responses: {
    200: { description: 'The alarm, acknowledged', content: jsonContent(AlarmSchema) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'not-found', 'conflict', 'unsupported-media-type', 'internal-error', 'unavailable'),
  },
});

const rules = createRoute({
  method: 'get',
  path: '/api/v1/alarm-rules',
  tags: ['alarms'],
  summary: 'The alarm rule tables in force',
  responses: {
    200: { description: 'Every table with its version and rules', content: jsonContent(z.object({ items: z.array(z.record(z.string(), z.unknown())) })) },
    ...problemResponses('unauthorized', 'forbidden', 'internal-error'),
  },
});

function alarmOf(alarm: Alarm): z.infer<typeof AlarmSchema> {
  return { ...alarm, raised: rfc3339(alarm.raisedMs) };
}

/** The alarm, if the caller's scope holds its gateway. */
async function visible(alarms: AlarmStore, id: number): Promise<Alarm> {
  const alarm = await alarms.get(id);
  const visible = visibleGateways();
  if (!alarm || (visible && !visible.has(alarm.gatewayId))) throw new ApiProblem('not-found', `there is no alarm ${id}`);
  return alarm;
}

export function alarmRoutes(alarms: AlarmStore, tables: readonly RuleTable[], now: () => number): OpenAPIHono {
  return new OpenAPIHono()
    .openapi(list, async (c) => {
      const query = c.req.valid('query');
      const visible = visibleGateways();
      const items = await alarms.list({
        state: query.state ?? 'open',
        severity: query.severity,
        gatewayId: query.gateway,
        subject: query.subject,
        gatewayIds: visible && [...visible],
        limit: query.limit ?? 100,
        beforeId: query.before,
      });
      return c.json({ items: items.map(alarmOf) }, 200);
    })
    .openapi(read, async (c) => {
      const alarm = await visible(alarms, c.req.valid('param').id);
      return c.json({ ...alarmOf(alarm), history: await alarms.history(alarm.id) }, 200);
    })
    .openapi(ack, async (c) => {
      const alarm = await visible(alarms, c.req.valid('param').id);
      try {
        return c.json(alarmOf(await alarms.acknowledge(alarm.id, currentActor(), c.req.valid('json').comment, now())), 200);
      } catch (error) {
        if (error instanceof AcknowledgeError) throw new ApiProblem('conflict', error.message);
        throw error;
      }
    })
    .openapi(rules, (c) => c.json({ items: tables.map((table) => ({ ...table })) }, 200));
}
