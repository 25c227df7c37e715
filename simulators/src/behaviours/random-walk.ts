/** A quantity that drifts without a pattern inside its limits, like a tank level or a belt load. */
import type { BehaviourKind } from './behaviour.js';

export const randomWalk: BehaviourKind<'start' | 'step' | 'min' | 'max'> = {
  summary: 'drifts from start by up to step per second, kept between min and max',
  params: {
    start: { about: 'the value at start' },
    step: { about: 'the largest change in one second', above: 0 },
    min: { about: 'the lowest value' },
    max: { about: 'the highest value' },
  },
  relations({ start, min, max }) {
    if (min >= max) return [{ param: 'max', message: `max ${max} is not above min ${min}`, fix: 'make max greater than min' }];
    if (start < min || start > max) return [{ param: 'start', message: `start ${start} is outside ${min}…${max}`, fix: 'put start between min and max' }];
    return [];
  },
  create({ start, step, min, max }, random) {
    let lastS = 0;
    const state = {
      advancesOn: 'tick' as const,
      value: start,
      advance(elapsedS: number) {
        const moved = state.value + (2 * random() - 1) * step * Math.max(0, elapsedS - lastS);
        lastS = Math.max(lastS, elapsedS);
        state.value = Math.min(max, Math.max(min, moved));
        return state.value;
      },
    };
    return state;
  },
};
