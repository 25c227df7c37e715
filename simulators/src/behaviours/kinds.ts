/** Every `kind:` a simulate block may name. A new kind is a new file plus one line here. */
import type { BehaviourKind } from './behaviour.js';
import { constant } from './constant.js';
import { counter } from './counter.js';
import { randomWalk } from './random-walk.js';
import { reads } from './reads.js';
import { spike } from './spike.js';
import { wave } from './wave.js';

export const behaviourKinds: Readonly<Record<string, BehaviourKind>> = {
  constant,
  wave,
  counter,
  spike,
  'random-walk': randomWalk,
  reads,
};

export const kindNames = Object.keys(behaviourKinds);

/** The kinds and their parameters, for --help. */
export function describeKinds(): string {
  return Object.entries(behaviourKinds)
    .map(([name, kind]) => `  ${name} (${Object.keys(kind.params).join(', ')}): ${kind.summary}`)
    .join('\n');
}
