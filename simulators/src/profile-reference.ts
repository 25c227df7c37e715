/** A device profile as a user names it: a bundled profile's name, or the path to a profile file. */
import { ConfigError } from '@davy/runtime';
import { bundledProfilesDir, findProfileFile, listProfileNames, loadProfile, type DeviceProfile } from '@davy/edge-agent/profiles';

/** Loads the profile; throws ConfigError when it is missing (listing the bundled ones) or invalid. */
export function resolveProfile(reference: string, baseDir = process.cwd()): DeviceProfile {
  const file = findProfileFile(reference, [bundledProfilesDir], baseDir);
  if (file) return loadProfile(file);
  throw new ConfigError(reference, [
    {
      path: [],
      message: 'neither a device profile file nor the name of a bundled profile',
      fix: `give the path to a profile .yaml file, or one of the bundled profiles: ${listProfileNames([bundledProfilesDir]).join(', ')}`,
    },
  ]);
}
