/**
 * Alarm evaluation cost: samples per second the rule engine keeps up with when 10,000 rules
 * are live — 10 gateways × 1,000 methane sensors at working faces of a coal mine, each under
 * the coal-mine table's methane rule — on the embedded default (SQLite). Measured twice: all
 * values normal, and with 1 % of the samples crossing (raising or clearing an alarm, each a
 * committed write with its history). The raw ceiling, in the same run, is the rule state alone
 * evaluating the same samples in a bare loop: no series lookup, no database. Then the cost of
 * one look for silence over the same sensors, next to the store reads it makes.
 */
import path from 'node:path';
import { createLogger } from '@davy/runtime';
import { tempDir } from '@davy/runtime/testing';
import { AlarmEngine } from '../hub/src/alarms/alarm-engine.js';
import { AlarmStore } from '../hub/src/alarms/alarm-store.js';
import { PointLocations } from '../hub/src/alarms/point-locations.js';
import { RuleState } from '../hub/src/alarms/rule-state.js';
import { readRuleTables, rulesFor } from '../hub/src/alarms/rule-tables.js';
import { openRegistry } from '../hub/src/registry/open-registry.js';
import type { SampleRow } from '../hub/src/store/batch-records.js';
import { SqliteStore } from '../hub/src/store/sqlite/sqlite-store.js';
import { machine, median, printFigures, type Figure } from './support/report.js';

const gateways = 10;
const sensorsPerGateway = 1_000;
const rounds = 5;
const runs = 3;
const log = createLogger({ component: 'bench', level: 'error' });

/** Round `round` of samples: one per sensor, 1 s apart; with `crossing`, sensor i is high in rounds where (i + round) % 100 = 0. */
function roundOf(seriesIds: number[], round: number, crossing: boolean): SampleRow[] {
  const timeMs = 1_000_000 + round * 1_000;
  return seriesIds.map((seriesId, i) => ({ seriesId, timeMs, seq: round * seriesIds.length + i + 1, value: crossing && (i + round) % 100 === 0 ? 1.2 : 0.3, quality: 1, receivedMs: timeMs }));
}

async function setUp() {
  const { dir, remove } = tempDir('davy-bench-alarms-');
  const file = path.join(dir, 'hub.db');
  const store = SqliteStore.open(file, { log });
  const registry = await openRegistry({ engine: 'sqlite', file }, dir, log);
  await registry.createEnterprise({ code: '91350100M000100Y43', name: 'Bench Coal' });
  const mine = await registry.createSite({ enterpriseCode: '91350100M000100Y43', name: 'Mine', kind: 'coal_mine', regionCode: '140105', location: null });
  const locations = new PointLocations(registry.db);
  for (let g = 0; g < gateways; g += 1) {
    const gatewayId = `gw-${g}`;
    await registry.assignGateway(mine.id, gatewayId);
    const sensors = Array.from({ length: sensorsPerGateway }, (_, i) => i);
    await store.ingest([
      {
        gatewayId,
        outboxId: `${gatewayId}-outbox`,
        enterpriseCode: '91350100M000100Y43',
        site: 'Mine',
        sentAtMs: 0,
        receivedAtMs: 0,
        previousSeq: 0,
        series: sensors.map((i) => ({ localId: i + 1, key: `${gatewayId}/ch4-${i}/ch4`, device: `ch4-${i}`, point: 'ch4', metric: 'ch4_concentration', unit: '%', intervalMs: 1_000 })),
        samples: { seq: sensors.map((i) => i + 1), series: sensors.map((i) => i + 1), timeMs: sensors.map(() => 500_000), value: sensors.map(() => 0.3), quality: sensors.map(() => 1) },
        events: [],
        gaps: [],
        malformed: [],
        refusedSeries: [],
      },
    ]);
    await registry.db.transaction(async (tx) => {
      const inTransaction = new PointLocations(tx);
      for (const i of sensors) await inTransaction.set(`${gatewayId}/ch4-${i}/ch4`, 'working_face');
    });
  }
  const seriesIds = (await store.series({})).map((series) => series.id);
  return {
    store,
    registry,
    locations,
    seriesIds,
    close: async () => {
      await Promise.all([store.close(), registry.close()]);
      remove();
    },
  };
}

/** Samples/s of a fresh engine over `rounds` rounds, after one warm-up round that looks every series' rule up. */
async function engineRate(crossing: boolean): Promise<{ rate: number; alarms: number }> {
  const bench = await setUp();
  try {
    const alarms = new AlarmStore(bench.registry.db);
    const engine = new AlarmEngine(bench.store, bench.registry, bench.locations, alarms, readRuleTables(), log);
    engine.offer(roundOf(bench.seriesIds, 0, false));
    await engine.idle();
    const started = performance.now();
    for (let round = 1; round <= rounds; round += 1) engine.offer(roundOf(bench.seriesIds, round, crossing));
    await engine.idle();
    const seconds = (performance.now() - started) / 1000;
    return { rate: (rounds * bench.seriesIds.length) / seconds, alarms: (await alarms.list({ state: 'all', limit: 100_000 })).length };
  } finally {
    await bench.close();
  }
}

/**
 * Milliseconds of one look for silence over the same 10 gateways, 10,000 devices and 10,000
 * series (each under the connectivity table's stale rule), nothing silent, after a first sweep
 * that looked every series' rules up; and, as the ceiling, the three store reads it makes.
 */
async function sweepCost(): Promise<{ sweepMs: number; readsMs: number }> {
  const bench = await setUp();
  try {
    // The samples were received at 0: at 1 s nothing has been silent for 3 intervals of 1 s.
    const engine = new AlarmEngine(bench.store, bench.registry, bench.locations, new AlarmStore(bench.registry.db), readRuleTables(), log, () => 1_000);
    await engine.sweep();
    let started = performance.now();
    await engine.sweep();
    const sweepMs = performance.now() - started;
    started = performance.now();
    await Promise.all([bench.store.gateways(), bench.store.devices({}), bench.store.latest({})]);
    return { sweepMs, readsMs: performance.now() - started };
  } finally {
    await bench.close();
  }
}

/** The rule state alone on the same samples. */
function bareRate(crossing: boolean): number {
  const [rule] = rulesFor(readRuleTables(), { siteKind: 'coal_mine', metric: 'ch4_concentration', location: 'working_face' });
  const seriesIds = Array.from({ length: gateways * sensorsPerGateway }, (_, i) => i + 1);
  const samples = Array.from({ length: rounds }, (_, r) => roundOf(seriesIds, r + 1, crossing));
  const pass = () => {
    const states = seriesIds.map(() => new RuleState(rule!.rule));
    const started = performance.now();
    for (const round of samples) round.forEach((sample, i) => states[i]!.evaluate(sample.value!, sample.timeMs));
    return (rounds * seriesIds.length) / ((performance.now() - started) / 1000);
  };
  // A pass this short (milliseconds) is at the mercy of the JIT: warm it, then take the median of several.
  pass();
  return median(Array.from({ length: 9 }, pass));
}

export async function run(): Promise<Figure[]> {
  console.log(machine());
  const figures: Figure[] = [];
  for (const crossing of [false, true]) {
    const engine: number[] = [];
    const bare: number[] = [];
    let alarms = 0;
    for (let i = 0; i < runs; i += 1) {
      const result = await engineRate(crossing);
      engine.push(result.rate);
      alarms = result.alarms;
      bare.push(bareRate(crossing));
    }
    figures.push({
      measure: `alarm rules, 10,000 live (10 gateways × 1,000 methane sensors), ${crossing ? '1 % of samples crossing' : 'all values normal'}`,
      value: median(engine),
      unit: 'samples/s',
      ceiling: median(bare),
      note: `median of ${runs}, ${rounds} × 10,000 samples, SQLite; ${alarms} alarms raised in the last run; ceiling: the rule state alone in a bare loop`,
    });
  }
  const sweeps: Array<{ sweepMs: number; readsMs: number }> = [];
  for (let i = 0; i < runs; i += 1) sweeps.push(await sweepCost());
  figures.push({
    measure: 'one look for silence (gateways, devices, stale series), 10 gateways × 1,000 sensors, nothing silent',
    value: median(sweeps.map((sweep) => sweep.sweepMs)),
    unit: 'ms',
    ceiling: median(sweeps.map((sweep) => sweep.readsMs)),
    note: `median of ${runs}, SQLite, every 5 s in the hub; ceiling: its three store reads alone (gateways, devices, latest values)`,
  });
  printFigures(figures);
  return figures;
}
