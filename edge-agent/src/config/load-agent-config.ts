/**
 * Loads agent.yaml and the profiles its devices name. Every problem is reported with the file,
 * line, path and fix, all of a file's problems at once; the rest of the agent trusts the result.
 */
import path from 'node:path';
import { closestName, ConfigError, formatHostPort, parseHostPort, parseNatsServers, YamlFile, type ConfigProblem, type HostPort } from '@davy/runtime';
import { problemsBetween, profileProtocolFor, resolveDevice, type ResolvedDevice } from '../drivers/registry.js';
import { bundledProfilesDir, findProfileFile, listProfileNames, loadProfile } from '../profiles/index.js';
import { agentConfigSchema, type AgentConfigDocument } from './agent-schema.js';

/** Where batches go: a hub's gRPC ingest, or NATS JetStream servers that hubs consume from. */
export type HubLink = { transport: 'grpc'; address: HostPort } | { transport: 'nats'; servers: string[] };

export function describeHubLink(hub: HubLink): string {
  return hub.transport === 'grpc' ? formatHostPort(hub.address) : hub.servers.join(',');
}

export interface AgentConfig {
  file: string;
  gateway: AgentConfigDocument['gateway'];
  hub: HubLink;
  outbox: { path: string; maxBytes: number; sync: 'full' | 'normal' };
  uplink: AgentConfigDocument['uplink'];
  deviceHealth: AgentConfigDocument['deviceHealth'];
  profileFolders: string[];
  devices: ResolvedDevice[];
}

/** `transport`: the --transport flag of `start`, which wins over hub.transport. */
export function loadAgentConfig(file: string, overrides: { transport?: HubLink['transport'] } = {}): AgentConfig {
  const yaml = YamlFile.read(file, 'agent config');
  const document = yaml.validate(agentConfigSchema, 'agent config');
  const dir = path.dirname(path.resolve(file));
  const profileFolders = [...document.profiles.map((folder) => path.resolve(dir, folder)), bundledProfilesDir];
  const problems: ConfigProblem[] = [];

  const hub = readHubLink(document.hub.address, overrides.transport ?? document.hub.transport, overrides.transport !== undefined, (message, fix) => problems.push(yaml.problem(['hub', 'address'], message, fix)));

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

function readHubLink(address: string, transport: HubLink['transport'], fromFlag: boolean, problem: (message: string, fix: string) => void): HubLink | undefined {
  const why = fromFlag ? `, from --transport` : '';
  if (transport === 'nats') {
    const parsed = parseNatsServers(address);
    if ('servers' in parsed) return { transport, servers: parsed.servers };
    problem(`${parsed.problem} (transport nats${why})`, parsed.fix);
    return undefined;
  }
  const parsed = parseHostPort(address, '');
  if (parsed && parsed.host !== '') return { transport, address: parsed };
  problem(`"${address}" is not a host:port address (transport grpc${why})`, 'write the hub\'s gRPC address as host:port, e.g. 10.0.0.5:9090, or set hub.transport: nats for NATS servers');
  return undefined;
}
