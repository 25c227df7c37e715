/**
 * The coefficient tables reports convert with (`hub/data/coefficients/`, versioned data, not
 * code): kgce per unit of each energy (GB/T 2589-2020), the grid's CO2 factors by year and
 * region, and fuels' CO2 factors from calorific value, carbon content and oxidation rate.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { YamlFile } from '@davy/runtime';
import { z } from 'zod';

const standardCoalSchema = z.strictObject({
  table: z.string().min(1),
  version: z.string().min(1),
  energies: z.record(
    z.string(),
    z.strictObject({ kgcePerUnit: z.number().positive(), unit: z.string().min(1), range: z.tuple([z.number(), z.number()]).optional(), note: z.string().optional() }),
  ),
  electricityEqualValue: z.record(z.string().regex(/^\d{4}$/), z.strictObject({ kgcePerUnit: z.number().positive(), provisional: z.boolean().optional() })),
  kjPerKgce: z.number().positive(),
  measurable: z.array(z.string().min(1)),
}).superRefine((table, context) => {
  for (const [index, energy] of table.measurable.entries()) {
    if (!(energy in table.energies)) context.addIssue({ code: 'custom', path: ['measurable', index], message: `${energy} is not one of the energies above` });
  }
});

const co2Schema = z.strictObject({
  table: z.string().min(1),
  version: z.string().min(1),
  grid: z.record(z.string().regex(/^\d{4}$/), z.record(z.string(), z.number().positive())),
  fuels: z.record(
    z.string(),
    z.strictObject({ unit: z.string().min(1), ncvGjPerUnit: z.number().positive(), carbonTcPerGj: z.number().positive(), oxidation: z.number().positive().max(1), provisional: z.boolean().optional() }),
  ),
});

export type StandardCoalTable = z.output<typeof standardCoalSchema>;
export type Co2Table = z.output<typeof co2Schema>;

export interface Coefficients {
  standardCoal: StandardCoalTable;
  co2: Co2Table;
}

const folder = fileURLToPath(new URL('../../data/coefficients', import.meta.url));

export function readCoefficients(directory = folder): Coefficients {
  const coefficients = {
    standardCoal: YamlFile.read(path.join(directory, 'standard-coal.yaml'), 'standard-coal table').validate(standardCoalSchema, 'standard-coal table'),
    co2: YamlFile.read(path.join(directory, 'co2.yaml'), 'CO2 factor table').validate(co2Schema, 'CO2 factor table'),
  };
  // A measured calorific value is per the standard-coal table's unit and replaces the CO2 table's NCV too: both must count the same unit.
  for (const energy of coefficients.standardCoal.measurable) {
    const fuel = coefficients.co2.fuels[energy];
    const unit = coefficients.standardCoal.energies[energy]!.unit;
    if (fuel && fuel.unit !== unit) {
      throw new Error(`${path.join(directory, 'co2.yaml')}: fuels.${energy}.unit is ${fuel.unit}, but standard-coal.yaml counts ${energy} per ${unit}; give both the same unit (a measured calorific value applies to both)`);
    }
  }
  return coefficients;
}

/** kg CO2 per unit of a fuel: NCV × carbon content × oxidation × 44/12 (GB/T 32150-2015). */
export function fuelCo2KgPerUnit(fuel: Co2Table['fuels'][string]): number {
  return fuel.ncvGjPerUnit * fuel.carbonTcPerGj * fuel.oxidation * (44 / 12) * 1000;
}
