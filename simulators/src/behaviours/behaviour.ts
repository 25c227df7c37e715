/**
 * What a `simulate:` block of a profile point becomes: a value that moves with the clock or
 * with the reads that cover it. Values are engineering values (after scale and offset); the
 * protocol that serves the point converts them to what travels on its wire.
 */
export interface Behaviour {
  /** What moves the value on: each tick of the simulator's clock, or each read request covering the point. */
  readonly advancesOn: 'tick' | 'read';
  /** The value now. */
  readonly value: number;
  /**
   * Moves the value on and returns it: to `elapsedS` seconds after the simulator started (ticks
   * come with a growing `elapsedS`), or by one read for behaviours that advance on reads.
   */
  advance(elapsedS: number): number;
}

/** One parameter of a kind. All parameters are numbers in the point's engineering unit or in seconds. */
export interface ParamSpec {
  /** What the parameter means, for errors and --help. */
  readonly about: string;
  /** Absent: the parameter is required. */
  readonly default?: number;
  readonly atLeast?: number;
  readonly above?: number;
}

export interface SimulateProblem {
  /** The parameter concerned; absent when the problem is the block as a whole. */
  readonly param?: string;
  readonly message: string;
  readonly fix: string;
}

export type Params<P extends string> = Readonly<Record<P, number>>;

/** A `kind:` of simulate block: its parameters and how it behaves. One file per kind. */
export interface BehaviourKind<P extends string = string> {
  readonly summary: string;
  readonly params: Readonly<Record<P, ParamSpec>>;
  /** Problems between parameters that are each valid alone. */
  relations?(params: Params<P>): SimulateProblem[];
  create(params: Params<P>, random: () => number): Behaviour;
}

/** A behaviour whose value depends on the time since start alone (constant, wave, spike). */
export function ofTime(at: (elapsedS: number) => number): Behaviour {
  const behaviour = {
    advancesOn: 'tick' as const,
    value: at(0),
    advance: (elapsedS: number) => (behaviour.value = at(elapsedS)),
  };
  return behaviour;
}
