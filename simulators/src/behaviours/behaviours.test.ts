import { describe, expect, it } from 'vitest';
import { seededRandom } from '@davy/runtime/testing';
import type { Behaviour } from './behaviour.js';
import { behaviourFrom, type SimulateBlock } from './simulate-block.js';

function behaviour(block: SimulateBlock, random: () => number = seededRandom(1)): Behaviour {
  const result = behaviourFrom(block, random);
  if (!result.behaviour) throw new Error(JSON.stringify(result.problems));
  return result.behaviour;
}

const samples = (b: Behaviour, times: readonly number[]) => times.map((t) => b.advance(t));

describe('behaviours', () => {
  it('constant holds its value', () => {
    const b = behaviour({ kind: 'constant', value: 0.32 });
    expect([b.value, ...samples(b, [0.1, 50, 1e6])]).toEqual([0.32, 0.32, 0.32, 0.32]);
    expect(b.advancesOn).toBe('tick');
  });

  it('wave follows its sine when noise is 0', () => {
    const b = behaviour({ kind: 'wave', mean: 10, amplitude: 2, periodS: 4 });
    expect([b.value, ...samples(b, [1, 2, 3, 5])]).toEqual([10, 12, 10, 8, 12]);
  });

  it('wave noise has the standard deviation asked for', () => {
    const b = behaviour({ kind: 'wave', mean: 50, noise: 0.5 }, seededRandom(7));
    const values = Array.from({ length: 20_000 }, (_, i) => b.advance(i));
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    const deviation = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
    expect(Math.round(mean * 10) / 10).toBe(50);
    expect(Math.round(deviation * 10) / 10).toBe(0.5);
  });

  it('counter grows by exactly ratePerS per second without jitter', () => {
    const b = behaviour({ kind: 'counter', start: 100, ratePerS: 2 });
    expect([b.value, ...samples(b, [0.5, 1, 1.5, 10])]).toEqual([100, 101, 102, 103, 120]);
  });

  it('counter with heavy jitter never decreases over many ticks', () => {
    const b = behaviour({ kind: 'counter', start: 1523042.5, ratePerS: 0.19, jitter: 3 }, seededRandom(42));
    let previous = b.value;
    let decreases = 0;
    let stalls = 0;
    for (let tick = 1; tick <= 100_000; tick += 1) {
      const value = b.advance(tick * 0.1);
      if (value < previous) decreases += 1;
      if (value === previous) stalls += 1;
      previous = value;
    }
    expect(decreases).toBe(0);
    // With jitter 3 the drawn rate is negative about 37 % of the time; those ticks stand still.
    expect(Math.round(stalls / 1000)).toBe(37);
    expect(previous).toBeGreaterThan(1523042.5);
  });

  it('counter ignores a tick that comes back in time', () => {
    const b = behaviour({ kind: 'counter', ratePerS: 1 });
    expect(samples(b, [2, 1, 3])).toEqual([2, 2, 3]);
  });

  it('spike is at peak inside its window and at base outside', () => {
    const b = behaviour({ kind: 'spike', base: 0.32, peak: 1.2, everyS: 10, durationS: 2 });
    const times = [0, 5, 9.9, 10, 11, 11.9, 12, 19.99, 20, 21.5, 22, 30];
    expect([b.value, ...samples(b, times.slice(1))]).toEqual([0.32, 0.32, 0.32, 1.2, 1.2, 1.2, 0.32, 0.32, 1.2, 1.2, 0.32, 1.2]);
  });

  it('random-walk moves by at most step per second and stays inside min and max', () => {
    // random() 0.75 moves up by half a step per second.
    const up = behaviour({ kind: 'random-walk', start: 5, step: 2, min: 0, max: 6 }, () => 0.75);
    expect(samples(up, [0.5, 1, 3])).toEqual([5.5, 6, 6]);
    const down = behaviour({ kind: 'random-walk', start: 1, step: 4, min: 0, max: 6 }, () => 0);
    expect(samples(down, [0.125, 1])).toEqual([0.5, 0]);
    const wandering = behaviour({ kind: 'random-walk', start: 50, step: 20, min: 40, max: 60 }, seededRandom(3));
    const values = Array.from({ length: 10_000 }, (_, i) => wandering.advance(i * 0.1));
    expect([Math.min(...values), Math.max(...values)]).toEqual([40, 60]);
  });

  it('reads counts one per advance, starting after start', () => {
    const b = behaviour({ kind: 'reads' });
    expect(b.advancesOn).toBe('read');
    expect([b.value, b.advance(0), b.advance(0), b.advance(0)]).toEqual([0, 1, 2, 3]);
    expect(behaviour({ kind: 'reads', start: 41 }).advance(0)).toBe(42);
  });
});

describe('simulate block validation', () => {
  it.each<[string, SimulateBlock, Array<{ param?: string; message: string; fix: string }>]>([
    ['no kind', { mean: 1 }, [{ message: 'a simulate block needs a kind', fix: 'add kind: one of constant, wave, counter, spike, random-walk, reads' }]],
    ['an unknown kind', { kind: 'sine' }, [{ param: 'kind', message: '"sine" is not a simulate kind', fix: 'use one of: constant, wave, counter, spike, random-walk, reads' }]],
    ['an inherited property as kind', { kind: 'toString' }, [{ param: 'kind', message: '"toString" is not a simulate kind', fix: 'use one of: constant, wave, counter, spike, random-walk, reads' }]],
    [
      'a missing parameter and an unknown one',
      { kind: 'spike', base: 0.3, everyS: 60, durationS: 5, nosie: 0.1 },
      [
        { param: 'nosie', message: 'unknown parameter "nosie" for kind spike', fix: 'remove it or correct its spelling; spike takes: base, peak, everyS, durationS, noise' },
        { param: 'peak', message: 'spike needs peak (the level during a spike)', fix: 'add peak: <number>' },
      ],
    ],
    ['text for a number', { kind: 'constant', value: 'high' }, [{ param: 'value', message: 'expected a number, got "high"', fix: 'set value to a number (the value)' }]],
    ['a period of 0', { kind: 'wave', mean: 1, periodS: 0 }, [{ param: 'periodS', message: '0 is out of range: must be greater than 0', fix: 'change periodS (seconds of one full swing)' }]],
    ['a negative rate', { kind: 'counter', ratePerS: -1 }, [{ param: 'ratePerS', message: '-1 is out of range: must be at least 0', fix: 'change ratePerS (growth per second)' }]],
    ['a spike that never ends', { kind: 'spike', base: 0, peak: 1, everyS: 10, durationS: 10 }, [{ param: 'durationS', message: 'a spike of 10 s every 10 s never ends', fix: 'make durationS shorter than everyS' }]],
    ['a walk that starts outside its limits', { kind: 'random-walk', start: 9, step: 1, min: 0, max: 6 }, [{ param: 'start', message: 'start 9 is outside 0…6', fix: 'put start between min and max' }]],
    ['a walk with min above max', { kind: 'random-walk', start: 9, step: 1, min: 10, max: 6 }, [{ param: 'max', message: 'max 6 is not above min 10', fix: 'make max greater than min' }]],
  ])('reports %s', (_, block, problems) => {
    expect(behaviourFrom(block).problems).toEqual(problems);
  });
});
