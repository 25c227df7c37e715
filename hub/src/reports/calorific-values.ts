/**
 * Enterprises' measured net calorific values (NCV) of their fuels — from their own lab or their
 * supplier's certificate — each in force from its time until the next of the same fuel. GB/T
 * 2589-2020 puts a measured value before the reference coefficient: a report converts the
 * quantities a value covers by NCV ÷ 29,307 kJ/kgce, and the fuel's CO2 by that NCV too.
 */
import { Refusal } from '../refusal.js';
import { constraintBroken, type SqlDatabase } from '../registry/sql/sql-database.js';
import type { StandardCoalTable } from './coefficients.js';

export interface CalorificValue {
  id: number;
  enterpriseCode: string;
  energy: string;
  validFromMs: number;
  /** kJ per unit of the standard-coal table's unit for the energy (kg, m³). */
  ncvKjPerUnit: number;
  unit: string;
  /** Where the value comes from (a lab report's number): it is the report's evidence. */
  note: string;
  setBy: string;
  setMs: number;
}

export interface NewCalorificValue {
  enterpriseCode: string;
  energy: string;
  validFromMs: number;
  ncvKjPerUnit: number;
  note: string;
}

/** Beyond these no fuel burns: a value outside is a unit slip (kcal, MJ, GJ), refused. */
export const ncvRangeKj: readonly [number, number] = [1_000, 100_000];

interface Row {
  id: number;
  enterprise_code: string;
  energy: string;
  valid_from_ms: number;
  ncv_kj_per_unit: number;
  unit: string;
  note: string;
  set_by: string;
  set_ms: number;
}

const columns = 'id, enterprise_code, energy, valid_from_ms, ncv_kj_per_unit, unit, note, set_by, set_ms';

function toValue(row: Row): CalorificValue {
  return {
    id: Number(row.id),
    enterpriseCode: row.enterprise_code,
    energy: row.energy,
    validFromMs: Number(row.valid_from_ms),
    ncvKjPerUnit: row.ncv_kj_per_unit,
    unit: row.unit,
    note: row.note,
    setBy: row.set_by,
    setMs: Number(row.set_ms),
  };
}

export class CalorificValues {
  constructor(
    private readonly db: SqlDatabase,
    private readonly table: StandardCoalTable,
    private readonly now: () => number = Date.now,
  ) {}

  async add(input: NewCalorificValue, setBy: string): Promise<CalorificValue> {
    const coefficient = this.table.energies[input.energy];
    if (!coefficient || !this.table.measurable.includes(input.energy)) {
      throw new Refusal('invalid', 'energy', `is not a fuel whose calorific value can be measured; the standard-coal table's are ${this.table.measurable.join(', ')}`);
    }
    const [low, high] = ncvRangeKj;
    if (!(input.ncvKjPerUnit >= low && input.ncvKjPerUnit <= high)) {
      throw new Refusal('invalid', 'ncvKjPerUnit', `${input.ncvKjPerUnit} kJ/${coefficient.unit} is outside ${low}–${high}: give the net calorific value in kJ per ${coefficient.unit} (raw coal is about 20,908)`);
    }
    try {
      const [row] = await this.db.query<Row>(
        `INSERT INTO calorific_values (enterprise_code, energy, valid_from_ms, ncv_kj_per_unit, unit, note, set_by, set_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${columns}`,
        [input.enterpriseCode, input.energy, input.validFromMs, input.ncvKjPerUnit, coefficient.unit, input.note, setBy, this.now()],
      );
      return toValue(row!);
    } catch (error) {
      const broken = constraintBroken(error);
      if (broken === 'unique') throw new Refusal('conflict', 'validFrom', `enterprise ${input.enterpriseCode} has a ${input.energy} value from that time already: delete it first`);
      if (broken === 'reference') throw new Refusal('not-found', 'code', `there is no enterprise ${input.enterpriseCode}`);
      throw error;
    }
  }

  /** The values of these enterprises, by fuel and time. */
  async of(enterpriseCodes: readonly string[]): Promise<CalorificValue[]> {
    if (enterpriseCodes.length === 0) return [];
    const placeholders = enterpriseCodes.map((_, index) => `$${index + 1}`).join(', ');
    const rows = await this.db.query<Row>(`SELECT ${columns} FROM calorific_values WHERE enterprise_code IN (${placeholders}) ORDER BY enterprise_code, energy, valid_from_ms`, [...enterpriseCodes]);
    return rows.map(toValue);
  }

  /** Deletes one of the enterprise's values; false when it has none of that id. */
  async remove(enterpriseCode: string, id: number): Promise<boolean> {
    const rows = await this.db.query<{ id: number }>('DELETE FROM calorific_values WHERE id = $1 AND enterprise_code = $2 RETURNING id', [id, enterpriseCode]);
    return rows.length > 0;
  }
}

/** The value in force at `timeMs` among one enterprise's values of one fuel (sorted by time). */
export function valueInForce(values: readonly CalorificValue[], timeMs: number): CalorificValue | undefined {
  let found: CalorificValue | undefined;
  for (const value of values) {
    if (value.validFromMs > timeMs) break;
    found = value;
  }
  return found;
}
