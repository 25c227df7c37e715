/**
 * A totaliser (energy, coal output): it only grows, at `ratePerS` on average. Jitter varies the
 * rate from tick to tick but never makes it negative, since a meter's register never runs back.
 */
import type { BehaviourKind } from './behaviour.js';
import { noisy } from './noise.js';

export const counter: BehaviourKind<'start' | 'ratePerS' | 'jitter'> = {
  summary: 'a total that grows by ratePerS per second and never decreases',
  params: {
    start: { about: 'the total at start', default: 0 },
    ratePerS: { about: 'growth per second', atLeast: 0 },
    jitter: { about: 'standard deviation of the rate, as a fraction of ratePerS (0.1 = 10 %)', default: 0, atLeast: 0 },
  },
  create({ start, ratePerS, jitter }, random) {
    let lastS = 0;
    const state = {
      advancesOn: 'tick' as const,
      value: start,
      advance(elapsedS: number) {
        const rate = Math.max(0, noisy(ratePerS, ratePerS * jitter, random));
        state.value += rate * Math.max(0, elapsedS - lastS);
        lastS = Math.max(lastS, elapsedS);
        return state.value;
      },
    };
    return state;
  },
};
