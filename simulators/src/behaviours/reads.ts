/**
 * A register that counts the read requests covering it, incremented before the reply is built:
 * the first read returns start + 1. A test that knows how many reads the agent made can then
 * check that every one of them reached the hub exactly once. Like every behaviour it counts in
 * the point's engineering unit, so the agent sees 1, 2, 3 whatever the point's scale.
 */
import type { BehaviourKind } from './behaviour.js';

export const reads: BehaviourKind<'start'> = {
  summary: 'counts the read requests that cover it: the first read returns start + 1 (use uint32 or uint64)',
  params: { start: { about: 'the count before the first read', default: 0, atLeast: 0 } },
  create({ start }) {
    const state = {
      advancesOn: 'read' as const,
      value: start,
      advance: () => (state.value += 1),
    };
    return state;
  },
};
