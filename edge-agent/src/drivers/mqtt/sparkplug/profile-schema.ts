/**
 * Profiles of Sparkplug B devices (`protocol: sparkplug`): each point names the Sparkplug
 * metric it reads. The metric's type comes from the device's birth certificate, and the device
 * pushes, so points have neither a type nor a poll interval.
 */
import { z } from 'zod';
import { commonPointFields } from '../../../profiles/point-schema.js';

export const sparkplugPointSchema = z
  .object(commonPointFields)
  .omit({ pollInterval: true })
  .extend({
    sparkplugMetric: z.string().min(1).describe('the Sparkplug metric\'s name as its birth certificate gives it, e.g. Charger/Power'),
  })
  .strict();

export const sparkplugProfileSchema = z
  .object({
    protocol: z.literal('sparkplug'),
    model: z.string().describe('the device model this profile maps'),
    manufacturer: z.string().optional(),
    description: z.string().optional(),
    points: z.array(sparkplugPointSchema).min(1),
  })
  .strict()
  .superRefine((profile, context) => {
    // One metric is one value: two points on it would be one series twice under two names.
    const first = new Map<string, number>();
    profile.points.forEach((point, index) => {
      const earlier = first.get(point.sparkplugMetric);
      if (earlier === undefined) return void first.set(point.sparkplugMetric, index);
      context.addIssue({
        code: 'custom',
        path: ['points', index, 'sparkplugMetric'],
        message: `metric "${point.sparkplugMetric}" is read by points[${earlier}] (${profile.points[earlier]!.name}) already`,
        params: { fix: 'map each Sparkplug metric to one point' },
      });
    });
  });

export type SparkplugProfileDocument = z.output<typeof sparkplugProfileSchema>;
