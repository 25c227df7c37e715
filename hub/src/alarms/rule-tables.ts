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

const ruleSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'is not a rule id: lower case letters, digits and -'),
    meaning: z.string().min(1),
    /**
     * threshold (default): raise as soon as `raise` holds. duration: once it has held for
     * `forSeconds` without a break. repeating: once it has begun to hold `times` times within
     * `withinMinutes`. rate: `raise`, `escalate` and `clear` apply to the change per minute
     * between successive samples instead of the value.
     */
    kind: z.enum(['threshold', 'duration', 'repeating', 'rate']).default('threshold'),
    forSeconds: z.number().positive().optional(),
    times: z.number().int().min(2).optional(),
    withinMinutes: z.number().positive().optional(),
    metric: z.string().min(1),
    locations: z.union([z.literal('any'), z.array(z.enum(sensorLocations)).min(1)]),
    raise: conditionSchema,
    escalate: conditionSchema.optional().describe('the level that makes it critical (a power cut)'),
    clear: conditionSchema.describe('when it clears: below the alarm level for hysteresis'),
    severity: z.enum(severities),
    standard: z.string().min(1).describe('the standard and clause the values come from'),
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

const tableSchema = z.strictObject({
  table: z.string().min(1),
  version: z.string().min(1),
  siteKinds: z.array(z.enum(siteKinds)).min(1),
  rules: z.array(ruleSchema).min(1),
});

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

/** The rules of `tables` for a point: its site's kind, its metric and its location. */
export function rulesFor(tables: readonly RuleTable[], point: { siteKind: string; metric: string; location: string | null }): Array<{ table: RuleTable; rule: AlarmRule }> {
  return tables.flatMap((table) =>
    (table.siteKinds as readonly string[]).includes(point.siteKind)
      ? table.rules
          .filter((rule) => rule.metric === point.metric && (rule.locations === 'any' || (point.location !== null && (rule.locations as readonly string[]).includes(point.location))))
          .map((rule) => ({ table, rule }))
      : [],
  );
}
