/**
 * Validates a point's `simulate:` block and builds its behaviour. Written by hand rather than
 * with zod (zod does not resolve from this package); every problem names the parameter and the fix.
 */
import { describeValue } from '@davy/runtime';
import type { Behaviour, ParamSpec, SimulateProblem } from './behaviour.js';
import { behaviourKinds, kindNames } from './kinds.js';

export type SimulateBlock = Readonly<Record<string, unknown>>;

export type BehaviourResult = { behaviour: Behaviour; problems?: undefined } | { behaviour?: undefined; problems: SimulateProblem[] };

export function behaviourFrom(block: SimulateBlock, random: () => number = Math.random): BehaviourResult {
  const kindName = block.kind;
  if (kindName === undefined) {
    return { problems: [{ message: 'a simulate block needs a kind', fix: `add kind: one of ${kindNames.join(', ')}` }] };
  }
  if (typeof kindName !== 'string' || !Object.hasOwn(behaviourKinds, kindName)) {
    return { problems: [{ param: 'kind', message: `${describeValue(kindName)} is not a simulate kind`, fix: `use one of: ${kindNames.join(', ')}` }] };
  }
  const kind = behaviourKinds[kindName]!;
  const specs: ReadonlyArray<[string, ParamSpec]> = Object.entries(kind.params);
  const problems: SimulateProblem[] = Object.keys(block)
    .filter((key) => key !== 'kind' && !Object.hasOwn(kind.params, key))
    .map((key) => ({
      param: key,
      message: `unknown parameter "${key}" for kind ${kindName}`,
      fix: `remove it or correct its spelling; ${kindName} takes: ${specs.map(([name]) => name).join(', ')}`,
    }));
  const params: Record<string, number> = {};
  for (const [name, spec] of specs) {
    const checked = checkParam(kindName, name, spec, block[name] ?? spec.default);
    if (typeof checked === 'number') params[name] = checked;
    else problems.push(checked);
  }
  if (problems.length === 0) problems.push(...(kind.relations?.(params) ?? []));
  return problems.length > 0 ? { problems } : { behaviour: kind.create(params, random) };
}

/** The parameter's value, or what is wrong with it. */
function checkParam(kindName: string, name: string, spec: ParamSpec, value: unknown): number | SimulateProblem {
  if (value === undefined) return { param: name, message: `${kindName} needs ${name} (${spec.about})`, fix: `add ${name}: <number>` };
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { param: name, message: `expected a number, got ${describeValue(value)}`, fix: `set ${name} to a number (${spec.about})` };
  }
  const bound =
    spec.above !== undefined && value <= spec.above ? `greater than ${spec.above}` : spec.atLeast !== undefined && value < spec.atLeast ? `at least ${spec.atLeast}` : undefined;
  return bound ? { param: name, message: `${value} is out of range: must be ${bound}`, fix: `change ${name} (${spec.about})` } : value;
}
