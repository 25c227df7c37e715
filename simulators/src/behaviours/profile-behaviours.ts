/**
 * The behaviour of every point of a device profile, from its `simulate:` blocks and the --set
 * overrides. All problems of a profile are reported at once, located in the profile file.
 */
import { existsSync } from 'node:fs';
import { ConfigError, YamlFile, type ConfigPath, type ConfigProblem } from '@davy/runtime';
import type { DeviceProfile } from '@davy/edge-agent/profiles';
import type { Behaviour } from './behaviour.js';
import { overriddenBlock, type Override } from './overrides.js';
import { behaviourFrom } from './simulate-block.js';

/** What a point without a simulate block does. */
const defaultBlock = { kind: 'constant', value: 0 };

/** One behaviour per point, in the profile's order; throws ConfigError naming the file, point and fix. */
export function profileBehaviours(profile: DeviceProfile, overrides: readonly Override[] = [], random: () => number = Math.random): Behaviour[] {
  const points = profile.document.points;
  const problems: Array<{ path: ConfigPath; message: string; fix: string }> = [];
  const names = new Set(points.map((point) => point.name));
  for (const override of overrides.filter((o) => !names.has(o.point))) {
    problems.push({ path: ['points'], message: `--set ${override.text} names no point of this profile`, fix: `use one of: ${[...names].join(', ')}` });
  }
  const behaviours = points.flatMap((point, index) => {
    const own = overrides.filter((override) => override.point === point.name);
    const result = behaviourFrom(overriddenBlock(point.simulate ?? defaultBlock, own), random);
    for (const problem of result.problems ?? []) {
      // A problem caused by the command line says so: the parameter was set there, or a kind set there lacks it.
      const from = own.findLast((override) => override.param === (problem.param ?? 'kind')) ?? own.findLast((override) => override.param === 'kind');
      problems.push({
        path: ['points', index, 'simulate', ...(problem.param === undefined ? [] : [problem.param])],
        message: `${point.name}: ${problem.message}${from ? ` (from --set ${from.text})` : ''}`,
        fix: problem.fix,
      });
    }
    return result.behaviour ? [result.behaviour] : [];
  });
  if (problems.length > 0) throw new ConfigError(profile.file, locate(profile.file, problems));
  return behaviours;
}

function locate(file: string, problems: ReadonlyArray<Omit<ConfigProblem, 'line' | 'col'>>): ConfigProblem[] {
  // A profile built in memory has no file to point into.
  const yaml = existsSync(file) ? YamlFile.read(file, 'device profile') : undefined;
  return problems.map((problem) => yaml?.problem(problem.path, problem.message, problem.fix) ?? problem);
}
