/** What every profile point has, whatever protocol reads it. */
import { z } from 'zod';
import { durationMs } from '@davy/runtime';
import { reportByExceptionSchema } from '../pipeline/report-by-exception.js';

export const pointNamePattern = /^[a-z0-9][a-z0-9_.-]*$/i;
export const metricPattern = /^[a-z][a-z0-9_]*$/;

export const commonPointFields = {
  name: z.string().regex(pointNamePattern, { error: 'a point name may hold letters, digits, "_", "." and "-"' }).describe('the point\'s name, unique in the profile; the series key ends with it'),
  description: z.string().optional(),
  metric: z.string().regex(metricPattern, { error: 'a metric is lower_snake_case, e.g. active_energy_import' }).describe('a metric from the hub\'s catalog, e.g. ch4_concentration'),
  unit: z.string().describe('the unit after scaling, e.g. kWh, %, m/s'),
  scale: z.number().default(1).describe('multiplier applied to the raw value: value = raw × scale + offset'),
  offset: z.number().default(0).describe('added after scaling: value = raw × scale + offset'),
  pollInterval: durationMs().optional().describe('how often to read this point, e.g. 1s; overrides the device and profile default'),
  reportByException: reportByExceptionSchema.optional(),
  simulate: z.record(z.string(), z.unknown()).optional().describe('how davy-sim animates this point; the agent ignores it'),
};
