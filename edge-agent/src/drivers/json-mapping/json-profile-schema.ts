/**
 * Profiles of devices that send JSON (`protocol: json`), read by MQTT and HTTP alike: each
 * point names where its value sits in the payload. Pushed or polled, the device decides when
 * values come, so points have no poll interval of their own.
 */
import { z } from 'zod';
import { commonPointFields } from '../../profiles/point-schema.js';
import { parsePath, type PathExpression } from './path-expression.js';

export const jsonValueTypes = ['number', 'boolean', 'string'] as const;
export type JsonValueType = (typeof jsonValueTypes)[number];

/** A message name: what `topics:` of an MQTT device keys its topic patterns by. */
export const messageNamePattern = /^[a-z0-9][a-z0-9_-]*$/i;

const pathSchema = (what: string) =>
  z
    .string()
    .describe(what)
    .transform((text, context): PathExpression => {
      const parsed = parsePath(text);
      if ('error' in parsed) {
        context.addIssue({ code: 'custom', message: parsed.error, params: { fix: "write the path like data.meters[0].kWh, $.status.power or readings['L1 voltage']" } });
        return z.NEVER;
      }
      return parsed;
    });

export const jsonPointSchema = z
  .object(commonPointFields)
  .omit({ pollInterval: true })
  .extend({
    path: pathSchema('where the value sits in the payload, e.g. data.meters[0].kWh or $.status.power'),
    type: z.enum(jsonValueTypes).default('number').describe('number (the default), boolean, or string (sent as point.text events when it changes)'),
    states: z
      .record(z.string(), z.number())
      .optional()
      .describe('for a device that sends a state as text: the number each text stands for, e.g. { Available: 0, Charging: 1 }'),
    message: z
      .string()
      .regex(messageNamePattern, { error: 'a message name may hold letters, digits, "_" and "-"' })
      .optional()
      .describe('which of the device\'s messages carries the point (a key of the MQTT device\'s topics:); without it, every message does'),
  })
  .strict()
  .superRefine((point, context) => {
    const problem = (path: string, message: string, fix: string) => context.addIssue({ code: 'custom', path: [path], message, params: { fix } });
    if (point.states !== undefined && point.type !== 'number') {
      problem('states', `states turn text into numbers, so the point's type must be number, not ${point.type}`, 'remove type, or remove states');
    }
    if (point.type !== 'number' && (point.scale !== 1 || point.offset !== 0)) {
      problem('scale', `a ${point.type} point cannot be scaled`, 'remove scale and offset');
    }
  });

export const jsonProfileSchema = z
  .object({
    protocol: z.literal('json'),
    model: z.string().describe('the device model this profile maps'),
    manufacturer: z.string().optional(),
    description: z.string().optional(),
    timestampPath: pathSchema('where the device\'s own time of the values sits (ISO 8601 text, Unix seconds or Unix milliseconds)').optional(),
    points: z.array(jsonPointSchema).min(1),
  })
  .strict();

export type JsonProfileDocument = z.output<typeof jsonProfileSchema>;
export type JsonPointDocument = z.output<typeof jsonPointSchema>;
