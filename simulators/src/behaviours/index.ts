/** Point behaviours, shared by every protocol davy-sim serves. */
export type { Behaviour, BehaviourKind, ParamSpec, SimulateProblem } from './behaviour.js';
export { behaviourKinds, describeKinds, kindNames } from './kinds.js';
export { behaviourFrom, type BehaviourResult, type SimulateBlock } from './simulate-block.js';
export { overriddenBlock, overrideSyntax, parseOverride, type Override } from './overrides.js';
export { profileBehaviours } from './profile-behaviours.js';
