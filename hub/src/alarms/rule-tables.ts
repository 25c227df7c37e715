/**
 * The alarm rule tables (`hub/data/alarm-rules/*.yaml`, versioned data, not code): for which
 * site kinds, on which metric, at which sensor locations a rule raises, escalates and clears.
 * Read and checked at start; a wrong file stops the hub with its line and the fix.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { YamlFile } from '@davy/runtime';
import { z } from 'zod';
import { siteKinds } from '../registry/registry.js';

/** Where a sensor is: the rule tables name locations, a point is given one (PUT /api/v1/point-locations). */
export const sensorLocations = [
  'working_face',
  'heading_face',
  'face_return',
  'heading_return',
  'high_gas_intake',
  'drainage_roadway',
  'main_return',
  'wing_return',
  'intake',
  'other',
] as const;
export type SensorLocation = (typeof sensorLocations)[number];

export const severities = ['minor', 'major', 'critical'] as const;
export type Severity = (typeof severities)[number];

const conditionSchema = z.strictObject({ op: z.enum(['>=', '>', '<=', '<']), value: z.number() });
export type Condition = z.output<typeof conditionSchema>;

const common = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'is not a rule id: lower case letters, digits and -'),
  meaning: z.string().min(1),
  severity: z.enum(severities),
  standard: z.string().min(1).describe('the standard and clause the values come from'),
};
const pointsOf = {
  metric: z.string().min(1),
  locations: z.union([z.literal('any'), z.array(z.enum(sensorLocations)).min(1)]),
};

/** The kinds that judge each sample's value. */
export const valueRuleKinds = ['threshold', 'duration', 'repeating', 'rate'] as const;

const valueRuleSchema = z
  .strictObject({
    ...common,
    ...pointsOf,
    /**
     * threshold (the default): raise as soon as `raise` holds. duration: once it has held for
     * `forSeconds` without a break. repeating: once it has begun to hold `times` times within
     * `withinMinutes`. rate: `raise`, `escalate` and `clear` apply to the change per minute
     * between successive samples instead of the value.
     */
    kind: z.enum(valueRuleKinds),
    forSeconds: z.number().positive().optional(),
    times: z.number().int().min(2).optional(),
    withinMinutes: z.number().positive().optional(),
    raise: conditionSchema,
    escalate: conditionSchema.optional().describe('the level that makes it critical (a power cut)'),
    clear: conditionSchema.describe('when it clears: below the alarm level for hysteresis'),
  })
  .superRefine((rule, context) => {
    if (rule.kind === 'duration' && rule.forSeconds === undefined) context.addIssue({ code: 'custom', path: ['forSeconds'], message: 'a duration rule needs forSeconds' });
    if (rule.kind === 'repeating' && (rule.times === undefined || rule.withinMinutes === undefined)) {
      context.addIssue({ code: 'custom', path: ['times'], message: 'a repeating rule needs times and withinMinutes' });
    }
    // A clear condition that holds where raise holds would clear every alarm at once.
    const probe = rule.raise.value;
    if (holds(rule.raise, probe) && holds(rule.clear, probe)) {
      context.addIssue({ code: 'custom', path: ['clear'], message: `holds at ${probe}, where raise holds too: an alarm would clear as soon as it is raised` });
    }
  });

/**
 * The kinds that judge an absence, checked on a clock rather than on a sample: a series that
 * sent nothing for `afterIntervals` of its read interval (`metric: any` takes every metric), a
 * gateway the hub heard nothing from for `afterSeconds`, a device its gateway reports offline
 * (its device.offline event) for `afterSeconds`. Each clears once the data, the gateway or the
 * device is back; its value is the silence in seconds.
 */
const staleRuleSchema = z.strictObject({ ...common, ...pointsOf, kind: z.literal('stale'), afterIntervals: z.number().positive() });
const gatewayOfflineRuleSchema = z.strictObject({ ...common, kind: z.literal('gateway_offline'), afterSeconds: z.number().positive() });
const deviceOfflineRuleSchema = z.strictObject({ ...common, kind: z.literal('device_offline'), afterSeconds: z.number().min(0).default(0) });

/**
 * An event a gateway reported (its outbox dropping records: outbox.gap; a hub behind it:
 * uplink.hub_behind) raises an alarm that is cleared at once: it stays open until someone
 * acknowledges it. Its value is the number in the event's `valueOf` field, if any.
 */
const eventRuleSchema = z.strictObject({ ...common, kind: z.literal('event'), event: z.string().min(1), valueOf: z.string().min(1).optional() });

const ruleSchema = z.preprocess(
  // A rule that names no kind is a threshold.
  (rule) => (typeof rule === 'object' && rule !== null && !('kind' in rule) ? { ...rule, kind: 'threshold' } : rule),
  z.discriminatedUnion('kind', [valueRuleSchema, staleRuleSchema, gatewayOfflineRuleSchema, deviceOfflineRuleSchema, eventRuleSchema]),
);

const tableSchema = z.strictObject({
  table: z.string().min(1),
  version: z.string().min(1),
  siteKinds: z.array(z.enum(siteKinds)).min(1),
  rules: z.array(ruleSchema).min(1),
});

export type ValueRule = z.output<typeof valueRuleSchema>;
export type StaleRule = z.output<typeof staleRuleSchema>;
export type GatewayOfflineRule = z.output<typeof gatewayOfflineRuleSchema>;
export type DeviceOfflineRule = z.output<typeof deviceOfflineRuleSchema>;
export type EventRule = z.output<typeof eventRuleSchema>;
export type AlarmRule = z.output<typeof ruleSchema>;
export type RuleTable = z.output<typeof tableSchema>;

export function holds(condition: Condition, value: number): boolean {
  switch (condition.op) {
    case '>=':
      return value >= condition.value;
    case '>':
      return value > condition.value;
    case '<=':
      return value <= condition.value;
    case '<':
      return value < condition.value;
  }
}

export const defaultRuleFolder = fileURLToPath(new URL('../../data/alarm-rules', import.meta.url));

export function readRuleTables(folder = defaultRuleFolder): RuleTable[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => YamlFile.read(path.join(folder, name), 'alarm rule table').validate(tableSchema, 'alarm rule table'));
}

/** The rules of `tables` for a site kind, of one kind or kinds. */
function rulesOfSite<R extends AlarmRule>(tables: readonly RuleTable[], siteKind: string, isKind: (rule: AlarmRule) => rule is R): Array<{ table: RuleTable; rule: R }> {
  return tables.flatMap((table) => ((table.siteKinds as readonly string[]).includes(siteKind) ? table.rules.filter(isKind).map((rule) => ({ table, rule })) : []));
}

const isValueRule = (rule: AlarmRule): rule is ValueRule => (valueRuleKinds as readonly string[]).includes(rule.kind);
const isStaleRule = (rule: AlarmRule): rule is StaleRule => rule.kind === 'stale';

function takesPoint(rule: ValueRule | StaleRule, point: { metric: string; location: string | null }, anyMetric: boolean): boolean {
  const metric = rule.metric === point.metric || (anyMetric && rule.metric === 'any');
  return metric && (rule.locations === 'any' || (point.location !== null && (rule.locations as readonly string[]).includes(point.location)));
}

/** The value rules of `tables` for a point: its site's kind, its metric and its location. */
export function rulesFor(tables: readonly RuleTable[], point: { siteKind: string; metric: string; location: string | null }): Array<{ table: RuleTable; rule: ValueRule }> {
  return rulesOfSite(tables, point.siteKind, isValueRule).filter(({ rule }) => takesPoint(rule, point, false));
}

/** The stale-data rules of `tables` for a point (`metric: any` takes every metric). */
export function staleRulesFor(tables: readonly RuleTable[], point: { siteKind: string; metric: string; location: string | null }): Array<{ table: RuleTable; rule: StaleRule }> {
  return rulesOfSite(tables, point.siteKind, isStaleRule).filter(({ rule }) => takesPoint(rule, point, true));
}

export function gatewayRulesFor(tables: readonly RuleTable[], siteKind: string): Array<{ table: RuleTable; rule: GatewayOfflineRule }> {
  return rulesOfSite(tables, siteKind, (rule): rule is GatewayOfflineRule => rule.kind === 'gateway_offline');
}

export function deviceRulesFor(tables: readonly RuleTable[], siteKind: string): Array<{ table: RuleTable; rule: DeviceOfflineRule }> {
  return rulesOfSite(tables, siteKind, (rule): rule is DeviceOfflineRule => rule.kind === 'device_offline');
}

export function eventRulesFor(tables: readonly RuleTable[], siteKind: string): Array<{ table: RuleTable; rule: EventRule }> {
  return rulesOfSite(tables, siteKind, (rule): rule is EventRule => rule.kind === 'event');
}

/** Every event rule of the tables, with the site kinds it applies to. */
export function eventRules(tables: readonly RuleTable[]): Array<{ table: RuleTable; rule: EventRule }> {
  return tables.flatMap((table) => table.rules.filter((rule): rule is EventRule => rule.kind === 'event').map((rule) => ({ table, rule })));
}
