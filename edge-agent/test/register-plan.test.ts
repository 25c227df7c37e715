/**
 * Planner cases, one folder each under planner-cases/: the points (listed, generated, or a
 * shipped profile's) with the limits, and the exact requests expected. A point is written
 * name@offset; a number instead of a list counts the points of that request.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planReads, type PlanItem, type PlanLimits, type ModbusTable } from '@davy/edge-agent/modbus';
import { bundledProfilesDir, loadProfile } from '@davy/edge-agent/profiles';
import { isBitTable, registerCount, type ModbusPointDocument } from '@davy/edge-agent/modbus';

interface Case {
  limits: PlanLimits;
  points?: Array<{ name: string; table: ModbusTable; address: number; count: number }>;
  generate?: { prefix: string; table: ModbusTable; first: number; step: number; count: number; size: number };
  profile?: string;
  expected: Array<{ table: ModbusTable; start: number; count: number; points: string[] | number }>;
}

const casesDir = fileURLToPath(new URL('./planner-cases', import.meta.url));

function itemsOf(testCase: Case): Array<PlanItem<string>> {
  if (testCase.points) return testCase.points.map((p) => ({ point: p.name, table: p.table, address: p.address, count: p.count }));
  if (testCase.generate) {
    const g = testCase.generate;
    return Array.from({ length: g.count }, (_, i) => ({ point: `${g.prefix}${i}`, table: g.table, address: g.first + i * g.step, count: g.size }));
  }
  const profile = loadProfile(path.join(bundledProfilesDir, `${testCase.profile}.yaml`));
  return (profile.document.points as ModbusPointDocument[]).map((p) => ({
    point: p.name,
    table: p.table,
    address: p.address,
    count: isBitTable(p.table) ? 1 : registerCount(p.type, p.length),
  }));
}

describe('register planner', () => {
  for (const name of readdirSync(casesDir).sort()) {
    it(name, () => {
      const testCase = parse(readFileSync(path.join(casesDir, name, 'case.yaml'), 'utf8')) as Case;
      const reads = planReads(itemsOf(testCase), testCase.limits);
      const actual = reads.map((read, index) => {
        const points = read.items.map((item) => `${item.point}@${item.offset}`);
        // Where the case gives a count, compare the count.
        return { table: read.table, start: read.start, count: read.count, points: typeof testCase.expected[index]?.points === 'number' ? points.length : points };
      });
      expect(actual).toEqual(testCase.expected);
      // Whatever the case, every point is read exactly once and no request breaks the limits.
      expect(reads.flatMap((read) => read.items).length).toBe(itemsOf(testCase).length);
      for (const read of reads) expect(read.count).toBeLessThanOrEqual(isBitTable(read.table) ? testCase.limits.maxBits : testCase.limits.maxRegisters);
    });
  }

  it('refuses a point larger than one request may be', () => {
    expect(() => planReads([{ point: 'big', table: 'holding', address: 0, count: 126 }])).toThrow('a point of 126 registers at holding 0 exceeds the 125 a single read allows');
  });
});
