/**
 * Loads agent.yaml and the profiles its devices name. Every problem is reported with the file,
 * line, path and fix, all of a file's problems at once; the rest of the agent trusts the result.
 */
import path from 'node:path';
import { closestName, ConfigError, parseHostPort, YamlFile, type ConfigProblem, type HostPort } from '@davy/runtime';
import { problemsBetween, profileProtocolFor, resolveDevice, type ResolvedDevice } from '../drivers/registry.js';
import { bundledProfilesDir, findProfileFile, listProfileNames, loadProfile } from '../profiles/index.js';
import { agentConfigSchema, type AgentConfigDocument } from './agent-schema.js';

export interface AgentConfig {
  file: string;
  gateway: AgentConfigDocument['gateway'];
  hub: HostPort;
  outbox: { path: string; maxBytes: number; sync: 'full' | 'normal' };
  uplink: AgentConfigDocument['uplink'];
  deviceHealth: AgentConfigDocument['deviceHealth'];
  profileFolders: string[];
  devices: ResolvedDevice[];
}

export function loadAgentConfig(file: string): AgentConfig {
  const yaml = YamlFile.read(file, 'agent config');
  const document = yaml.validate(agentConfigSchema, 'agent config');
  const dir = path.dirname(path.resolve(file));
  const profileFolders = [...document.profiles.map((folder) => path.resolve(dir, folder)), bundledProfilesDir];
  const problems: ConfigProblem[] = [];

  const hub = parseHostPort(document.hub.address, '');
  if (!hub || hub.host === '') {
    problems.push(yaml.problem(['hub', 'address'], `"${document.hub.address}" is not a host:port address`, 'write the hub\'s gRPC address as host:port, e.g. 10.0.0.5:9090'));
  }

  const devices: ResolvedDevice[] = [];
  const indexOf = new Map<ResolvedDevice, number>();
  const names = new Map<string, number>();
  document.devices.forEach((device, index) => {
    const first = names.get(device.name);
    if (first !== undefined) {
      problems.push(yaml.problem(['devices', index, 'name'], `device name "${device.name}" is used twice (also devices[${first}])`, 'give every device its own name'));
      return;
    }
    names.set(device.name, index);
    const profileFile = findProfileFile(device.profile, profileFolders, dir);
    if (!profileFile) {
      const known = listProfileNames(profileFolders);
      const likely = closestName(device.profile, known);
      problems.push(
        yaml.problem(
          ['devices', index, 'profile'],
          `no profile "${device.profile}" in ${profileFolders.join(', ')}`,
          `${likely ? `did you mean "${likely}"? ` : ''}use one of the known profiles (${known.join(', ')}), or a path to a profile file`,
        ),
      );
      return;
    }
    const profile = loadProfile(profileFile);
    const profileProtocol = profileProtocolFor(device.protocol);
    if (profile.document.protocol !== profileProtocol) {
      problems.push(
        yaml.problem(
          ['devices', index, 'profile'],
          `profile "${profile.name}" is for ${profile.document.protocol} devices, but this device is ${device.protocol}`,
          `pick a ${profileProtocol} profile, or change the device's protocol`,
        ),
      );
      return;
    }
    const resolved = resolveDevice(device, profile, { configDir: dir, dataDir: path.dirname(path.resolve(dir, document.outbox.path)) });
    for (const problem of resolved.problems) problems.push(yaml.problem(['devices', index, ...problem.path], problem.message, problem.fix));
    if (resolved.problems.length > 0) return;
    devices.push(resolved.device);
    indexOf.set(resolved.device, index);
  });
  for (const { device, problem } of problemsBetween(devices)) {
    problems.push(yaml.problem(['devices', indexOf.get(device)!, ...problem.path], problem.message, problem.fix));
  }
  if (problems.length > 0) throw new ConfigError(file, problems);

  return {
    file: path.resolve(file),
    gateway: document.gateway,
    hub: hub!,
    outbox: { path: path.resolve(dir, document.outbox.path), maxBytes: document.outbox.maxSize, sync: document.outbox.sync },
    uplink: document.uplink,
    deviceHealth: document.deviceHealth,
    profileFolders,
    devices,
  };
}
