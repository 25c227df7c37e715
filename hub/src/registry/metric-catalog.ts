/**
 * The metric catalog (`hub/data/metric-catalog.yaml`, versioned data, not code): what each
 * metric name means, its unit, and which energy it counts. Read and checked at start; a wrong
 * file stops the hub with the line and the fix, like any config file.
 */
import { fileURLToPath } from 'node:url';
import { YamlFile } from '@davy/runtime';
import { z } from 'zod';

export const metricKinds = ['safety', 'energy', 'production', 'generation', 'charging'] as const;
/** What a metric counts toward the energy reports; `none` when it is no energy consumed. */
export const energyTypes = ['none', 'electricity', 'raw_coal', 'natural_gas', 'diesel', 'heat', 'steam'] as const;

const metricSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'is not a metric name: lower case letters, digits and _'),
    unit: z.string().min(1),
    kind: z.enum(metricKinds),
    energy: z.enum(energyTypes),
    reading: z.enum(['counter', 'instant']).describe("counter: a meter's running total, whose increments reports sum; instant: a level"),
    meaning: z.string().min(1),
  })
  .strict();

const catalogSchema = z
  .object({
    version: z.string().min(1).describe('the catalog version every report names, e.g. 2026-11-26.1'),
    metrics: z.array(metricSchema).min(1),
  })
  .strict()
  .superRefine((catalog, context) => {
    const seen = new Set<string>();
    catalog.metrics.forEach((metric, index) => {
      if (seen.has(metric.name)) context.addIssue({ code: 'custom', path: ['metrics', index, 'name'], message: `${metric.name} is in the catalog twice` });
      seen.add(metric.name);
    });
  });

export type Metric = z.output<typeof metricSchema>;
export type MetricCatalog = z.output<typeof catalogSchema>;

export const defaultMetricCatalogFile = fileURLToPath(new URL('../../data/metric-catalog.yaml', import.meta.url));

export function readMetricCatalog(file = defaultMetricCatalogFile): MetricCatalog {
  return YamlFile.read(file, 'metric catalog').validate(catalogSchema, 'metric catalog');
}
