/**
 * The coefficient tables as shipped load; a CO2 table that counts a measurable fuel in another
 * unit than the standard-coal table is refused at load, naming the file, the key and the fix.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@davy/runtime/testing';
import { readCoefficients } from '../../src/reports/coefficients.js';

const shipped = fileURLToPath(new URL('../../data/coefficients', import.meta.url));

describe('coefficient tables', () => {
  it('load as shipped, and refuse a measurable fuel counted in two units', () => {
    expect(readCoefficients().standardCoal.measurable).toContain('natural_gas');
    const { dir, remove } = tempDir('davy-coefficients-');
    try {
      cpSync(shipped, dir, { recursive: true });
      const co2 = path.join(dir, 'co2.yaml');
      writeFileSync(co2, readFileSync(co2, 'utf8').replace('natural_gas: { unit: m³', 'natural_gas: { unit: Nm³'));
      expect(() => readCoefficients(dir)).toThrow(
        `${co2}: fuels.natural_gas.unit is Nm³, but standard-coal.yaml counts natural_gas per m³; give both the same unit (a measured calorific value applies to both)`,
      );
    } finally {
      remove();
    }
  });
});
