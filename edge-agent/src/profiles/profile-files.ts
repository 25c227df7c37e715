/**
 * Finding and loading device profiles. A device names its profile by name (a file
 * `<name>.yaml` in one of the profile folders) or by a path to a YAML file.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, YamlFile } from '@davy/runtime';
import { profileSchema, type ProfileDocument } from './profile-schema.js';

/** The profiles that ship with Davy (the repository's device-profiles/ folder). */
export const bundledProfilesDir = path.resolve(fileURLToPath(new URL('../../../device-profiles', import.meta.url)));

export interface DeviceProfile {
  /** The file name without .yaml. */
  name: string;
  file: string;
  document: ProfileDocument;
}

/** The file a profile reference points at, or undefined when no folder has it. */
export function findProfileFile(reference: string, folders: readonly string[], baseDir: string): string | undefined {
  if (reference.endsWith('.yaml') || reference.endsWith('.yml') || reference.includes('/')) {
    const file = path.resolve(baseDir, reference);
    return existsSync(file) ? file : undefined;
  }
  for (const folder of folders) {
    for (const extension of ['.yaml', '.yml']) {
      const file = path.join(folder, reference + extension);
      if (existsSync(file)) return file;
    }
  }
  return undefined;
}

/** Names of all profiles in the folders, first folder first, without repeats. */
export function listProfileNames(folders: readonly string[]): string[] {
  const names = new Set<string>();
  for (const folder of folders) {
    if (!existsSync(folder)) continue;
    for (const entry of readdirSync(folder).sort()) {
      const match = /^(.+)\.ya?ml$/.exec(entry);
      if (match) names.add(match[1]!);
    }
  }
  return [...names];
}

export function loadProfile(file: string): DeviceProfile {
  const yaml = YamlFile.read(file, 'device profile');
  const document = yaml.validate(profileSchema, 'device profile');
  const seen = new Map<string, number>();
  const problems = document.points.flatMap((point, index) => {
    const first = seen.get(point.name);
    seen.set(point.name, first ?? index);
    return first === undefined
      ? []
      : [yaml.problem(['points', index, 'name'], `point name "${point.name}" is used twice (also points[${first}])`, 'give every point of a profile its own name')];
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { name: path.basename(file).replace(/\.ya?ml$/, ''), file, document };
}
