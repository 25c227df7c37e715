/**
 * The rule kinds besides a plain threshold, from a rule table written as a user would: a
 * duration rule raises only once its condition has held for its seconds without a break; a
 * repeating rule on the condition's third start within its window; a rate rule on the change
 * per minute between samples. A table that lacks what its kind needs is refused at load.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '@davy/runtime/testing';
import { RuleState } from '../../src/alarms/rule-state.js';
import { readRuleTables, rulesFor } from '../../src/alarms/rule-tables.js';

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.splice(0).forEach((remove) => remove()));

function tableFolder(rules: string): string {
  const { dir, remove } = tempDir('davy-rules-');
  cleanups.push(remove);
  const folder = path.join(dir, 'alarm-rules');
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'test.yaml'), `table: test\nversion: '1'\nsiteKinds: [coal_mine]\nrules:\n${rules}`);
  return folder;
}

const kinds = tableFolder(`
  - { id: ch4-held, meaning: held, kind: duration, forSeconds: 60, metric: ch4_concentration, locations: any, raise: { op: '>=', value: 1.0 }, clear: { op: '<', value: 1.0 }, severity: major, standard: test }
  - { id: co-repeat, meaning: repeated, kind: repeating, times: 3, withinMinutes: 10, metric: co_concentration, locations: any, raise: { op: '>=', value: 24 }, clear: { op: '<', value: 24 }, severity: minor, standard: test }
  - { id: heat-rise, meaning: rising fast, kind: rate, metric: temperature, locations: any, raise: { op: '>=', value: 2 }, clear: { op: '<', value: 1 }, severity: major, standard: test }
`);

/** The transitions of the table's one rule on `metric`, for (seconds, value) samples. */
function run(metric: string, samples: Array<[number, number]>): string[] {
  const [entry] = rulesFor(readRuleTables(kinds), { siteKind: 'coal_mine', metric, location: null });
  const state = new RuleState(entry!.rule);
  return samples.map(([s, value]) => `${state.evaluate(value, s * 1_000)?.kind ?? '-'}@${s}`);
}

describe('rule kinds', () => {
  it('duration: raises once the condition has held for its seconds without a break', () => {
    expect(run('ch4_concentration', [[0, 1.2], [30, 1.3], [40, 0.9], [50, 1.1], [100, 1.2], [110, 1.1], [120, 0.8]])).toEqual([
      '-@0',
      '-@30',
      '-@40',
      '-@50',
      '-@100',
      'raised@110',
      'cleared@120',
    ]);
  });

  it('repeating: raises on the third start of the condition within 10 minutes', () => {
    // Starts at 0, 400, 600 and 900 s. At 600 the one at 0 has left the 600 s window (two within it);
    // at 900 those at 400, 600 and 900 are three within it. 460 s holds on, so it is no new start.
    expect(run('co_concentration', [[0, 30], [60, 10], [400, 30], [460, 31], [500, 10], [600, 25], [630, 10], [900, 26], [990, 10]])).toEqual([
      '-@0',
      '-@60',
      '-@400',
      '-@460',
      '-@500',
      '-@600',
      '-@630',
      'raised@900',
      'cleared@990',
    ]);
  });

  it('rate: raises on the change per minute, not the value', () => {
    // 20 → 21 in 60 s is 1/min; 21 → 23 in 30 s is 4/min; 23 → 23.5 in 60 s is 0.5/min.
    expect(run('temperature', [[0, 20], [60, 21], [90, 23], [150, 23.5]])).toEqual(['-@0', '-@60', 'raised@90', 'cleared@150']);
  });

  it('refuses a table that lacks what a kind needs', () => {
    const broken = tableFolder(`
  - { id: held, meaning: x, kind: duration, metric: ch4_concentration, locations: any, raise: { op: '>=', value: 1.0 }, clear: { op: '<', value: 1.0 }, severity: major, standard: test }
`);
    expect(() => readRuleTables(broken)).toThrow(/forSeconds: a duration rule needs forSeconds/);
    const silence = tableFolder(`
  - { id: quiet, meaning: x, kind: stale, metric: any, locations: any, severity: minor, standard: test }
`);
    expect(() => readRuleTables(silence)).toThrow(/afterIntervals/);
    // A silence has no value to compare: conditions on one are refused, not ignored.
    const conditions = tableFolder(`
  - { id: gone, meaning: x, kind: gateway_offline, afterSeconds: 60, raise: { op: '>=', value: 1 }, severity: major, standard: test }
`);
    expect(() => readRuleTables(conditions)).toThrow(/raise/);
  });
});
