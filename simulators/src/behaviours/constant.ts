import { ofTime, type BehaviourKind } from './behaviour.js';

export const constant: BehaviourKind<'value'> = {
  summary: 'always the same value (for a bool point: 1 or 0)',
  params: { value: { about: 'the value' } },
  create: ({ value }) => ofTime(() => value),
};
