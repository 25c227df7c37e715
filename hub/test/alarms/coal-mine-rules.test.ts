/**
 * The default coal-mine table (hub/data/alarm-rules/coal-mine.yaml) on value sequences worked
 * out by hand: every methane rule raises at its alarm level and not a hair below, escalates at
 * the power-cut level, is updated (not raised again) while it holds, clears only below its
 * restore level, and raises anew after it cleared; and the other rules of the table likewise.
 */
import { describe, expect, it } from 'vitest';
import { readRuleTables, rulesFor } from '../../src/alarms/rule-tables.js';
import { RuleState } from '../../src/alarms/rule-state.js';

const [table] = readRuleTables();

/** The transitions of the one rule for this metric and location, value by value (1 s apart). */
function run(metric: string, location: string, values: number[]): string[] {
  const rules = rulesFor([table!], { siteKind: 'coal_mine', metric, location });
  expect(rules, `${metric} at ${location}`).toHaveLength(1);
  const state = new RuleState(rules[0]!.rule);
  return values.map((value, i) => {
    const transition = state.evaluate(value, i * 1_000);
    return transition ? `${transition.kind}${'severity' in transition ? ` ${transition.severity}` : ''} @${value}` : `- @${value}`;
  });
}

describe('coal-mine table', () => {
  it('is table coal-mine-safety, version 2026-11-26.1, for coal mines', () => {
    expect([table!.table, table!.version, table!.siteKinds]).toEqual(['coal-mine-safety', '2026-11-26.1', ['coal_mine']]);
    expect(rulesFor([table!], { siteKind: 'power_plant', metric: 'ch4_concentration', location: 'working_face' })).toEqual([]);
  });

  it.each(['working_face', 'heading_face'])('methane at a %s: alarm at 1.0 %%, power cut at 1.5 %%, restore below 1.0 %%', (location) => {
    expect(run('ch4_concentration', location, [0.99, 1.0, 1.2, 1.49, 1.5, 1.6, 1.0, 0.99, 0.8, 1.0])).toEqual([
      '- @0.99',
      'raised major @1',
      'repeated @1.2',
      'repeated @1.49',
      'escalated critical @1.5',
      'repeated @1.6',
      'repeated @1',
      'cleared @0.99',
      '- @0.8',
      'raised major @1',
    ]);
  });

  it.each(['face_return', 'heading_return'])('methane in a %s: alarm and power cut at 1.0 %%', (location) => {
    expect(run('ch4_concentration', location, [0.99, 1.0, 1.1, 0.99])).toEqual(['- @0.99', 'raised critical @1', 'repeated @1.1', 'cleared @0.99']);
  });

  it('methane in the intake of a high-gas face: alarm at 0.5 %', () => {
    expect(run('ch4_concentration', 'high_gas_intake', [0.49, 0.5, 0.49])).toEqual(['- @0.49', 'raised major @0.5', 'cleared @0.49']);
  });

  it('methane in a drainage roadway: alarm at 2.5 %', () => {
    expect(run('ch4_concentration', 'drainage_roadway', [2.49, 2.5, 2.49])).toEqual(['- @2.49', 'raised major @2.5', 'cleared @2.49']);
  });

  it.each(['main_return', 'wing_return'])('methane in a %s: alarm at 0.75 %%', (location) => {
    expect(run('ch4_concentration', location, [0.74, 0.75, 0.74])).toEqual(['- @0.74', 'raised major @0.75', 'cleared @0.74']);
  });

  it('CO at 24 ppm, O2 below 20 %, face temperature above 26 °C, face air speed outside 0.25–4 m/s', () => {
    expect(run('co_concentration', 'main_return', [23.9, 24, 23.9])).toEqual(['- @23.9', 'raised major @24', 'cleared @23.9']);
    expect(run('o2_concentration', 'intake', [20, 19.9, 20])).toEqual(['- @20', 'raised major @19.9', 'cleared @20']);
    expect(run('temperature', 'working_face', [26, 26.1, 26])).toEqual(['- @26', 'raised minor @26.1', 'cleared @26']);
    const speed = (values: number[]) => {
      const states = rulesFor([table!], { siteKind: 'coal_mine', metric: 'air_velocity', location: 'working_face' }).map((r) => new RuleState(r.rule));
      return values.map((value, i) => states.map((state) => state.evaluate(value, i * 1_000)?.kind ?? '-').join('/'));
    };
    expect(speed([0.25, 0.24, 1, 4, 4.1, 4])).toEqual(['-/-', 'raised/-', 'cleared/-', '-/-', '-/raised', '-/cleared']);
  });

  it('skips a sample not newer than the last one evaluated (a late or resent one)', () => {
    const [rule] = rulesFor([table!], { siteKind: 'coal_mine', metric: 'ch4_concentration', location: 'working_face' });
    const state = new RuleState(rule!.rule);
    expect(state.evaluate(1.2, 2_000)?.kind).toBe('raised');
    expect(state.evaluate(0.5, 1_000)).toBeUndefined();
    expect(state.evaluate(0.5, 2_000)).toBeUndefined();
    expect(state.evaluate(0.5, 3_000)?.kind).toBe('cleared');
  });
});
