/**
 * `davy-agent device discover opc.tcp://…`: browses an OPC UA server's address space and writes
 * a device profile of its variables (node ids in the restart-proof nsu= form, data types, units
 * from EUInformation), for a field engineer to trim and give metrics before adding the device.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { createLogger, parseDurationMs, UsageError } from '@davy/runtime';
import { stringify } from 'yaml';
import { browseVariables, type FoundVariable } from '../drivers/opcua/address-space-browse.js';
import { portableNodeId } from '../drivers/opcua/node-address.js';
import { opcuaDeviceSchema, securityModes, securityPolicies } from '../drivers/opcua/opcua-config.js';
import { checkOpcuaDevice, resolveOpcuaDevice, warnIfPasswordInClear, type OpcuaDevice } from '../drivers/opcua/opcua-device.js';
import type { OpcuaLink } from '../drivers/opcua/opcua-link.js';
import { withOneShotLink } from '../drivers/opcua/one-shot-link.js';
import { opcuaProfileSchema } from '../drivers/opcua/profile-schema.js';
import type { DeviceProfile } from '../profiles/index.js';

interface DiscoverOptions {
  out?: string;
  force?: boolean;
  model?: string;
  root?: string;
  maxDepth: string;
  maxVariables: string;
  securityMode: (typeof securityModes)[number];
  securityPolicy?: (typeof securityPolicies)[number];
  trustServerCertificate?: string;
  user?: string;
  passwordEnv: string;
  allowPlainTextPassword?: boolean;
  pki: string;
  timeout: string;
}

/** The flag behind each device setting, for the messages about it. */
const flagOf: Record<string, string> = {
  endpoint: '<endpoint>',
  securityMode: '--security-mode',
  securityPolicy: '--security-policy',
  trustServerCertificate: '--trust-server-certificate',
  'auth.type': '--user',
  'auth.username': '--user',
  'auth.passwordEnv': '--password-env',
  pki: '--pki',
  timeout: '--timeout',
  connectTimeout: '--timeout',
};

export function discoverCommand(): Command {
  return new Command('discover')
    .description('Browse an OPC UA server and write a device profile of its variables (data types, units from EUInformation)')
    .argument('<endpoint>', 'the server, e.g. opc.tcp://10.0.0.7:4840')
    .option('-o, --out <file>', 'write the profile here (default: print it)')
    .option('--force', 'overwrite the --out file if it exists')
    .option('--model <text>', 'the profile\'s model (default: the server\'s product name)')
    .option('--root <nodeId>', 'browse from this node instead of the Objects folder (e.g. ns=2;s=Fan1)')
    .option('--max-depth <n>', 'levels to browse below the root', '8')
    .option('--max-variables <n>', 'stop after this many variables', '5000')
    .addOption(new Option('--security-mode <mode>', 'None, Sign or SignAndEncrypt').choices(securityModes).default('None'))
    .addOption(new Option('--security-policy <policy>', 'None or Basic256Sha256 (the default with Sign or SignAndEncrypt)').choices(securityPolicies))
    .option('--trust-server-certificate <auto|file>', 'auto: trust the server\'s certificate on first sight; or its certificate file')
    .option('--user <name>', 'log in as this user (password from --password-env)')
    .option('--password-env <variable>', 'the environment variable with the password', 'DAVY_OPCUA_PASSWORD')
    .option('--allow-plain-text-password', 'log in as --user with --security-mode None, although the password may then cross the line unencrypted')
    .option('--pki <dir>', 'the agent\'s certificate folder', 'data/pki')
    .option('--timeout <duration>', 'how long one request may take', '10s')
    .action(async (endpoint: string, options: DiscoverOptions) => {
      const timeoutMs = parseDurationMs(options.timeout);
      const maxDepth = Number(options.maxDepth);
      const maxVariables = Number(options.maxVariables);
      if (timeoutMs === undefined) throw new UsageError(`--timeout ${options.timeout} is not a duration; write it like 10s`);
      if (!Number.isInteger(maxDepth) || maxDepth < 1 || !Number.isInteger(maxVariables) || maxVariables < 1) throw new UsageError('--max-depth and --max-variables are whole numbers from 1');
      if (options.out && !options.force && existsSync(options.out)) throw new UsageError(`--out ${options.out} exists; add --force to overwrite it, or write to another file`);
      const device = discoveringDevice(endpoint, options, timeoutMs);
      const log = createLogger({ component: 'davy-agent', level: 'warn' });
      warnIfPasswordInClear(device, log);
      const started = Date.now();
      await withOneShotLink(device, log, async (link) => {
        const { variables, skipped } = await browseVariables(link, { root: options.root, maxDepth, maxVariables });
        const product = await productName(link);
        const yaml = profileYaml(endpoint, options.model ?? product ?? 'OPC UA device', variables, skipped, link.namespaceArray);
        if (options.out) {
          writeFileSync(options.out, yaml);
          process.stderr.write(`${variables.length} variables (${skipped.length} skipped) in ${Date.now() - started} ms → ${path.resolve(options.out)}\n`);
        } else {
          process.stdout.write(yaml);
        }
      });
    });
}

/** The flags as a device entry, checked as agent.yaml's would be (a usage error names the flag). */
function discoveringDevice(endpoint: string, options: DiscoverOptions, timeoutMs: number): OpcuaDevice {
  const parsed = opcuaDeviceSchema.safeParse({
    name: 'discover',
    protocol: 'opcua',
    profile: 'discover',
    endpoint,
    securityMode: options.securityMode,
    securityPolicy: options.securityPolicy,
    trustServerCertificate: options.trustServerCertificate,
    auth: options.user
      ? { type: 'user', username: options.user, passwordEnv: options.passwordEnv, allowPlainTextPassword: options.allowPlainTextPassword === true }
      : { type: 'anonymous' },
    pki: options.pki,
    timeout: timeoutMs,
    connectTimeout: timeoutMs,
  });
  if (!parsed.success) {
    throw usageError(parsed.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message, fix: issue.code === 'custom' ? (issue.params as { fix?: string } | undefined)?.fix : undefined })));
  }
  // Discover reads no points: the device has an empty profile.
  const profile: DeviceProfile = { name: 'discover', file: '', document: { protocol: 'opcua', model: 'discover', points: [] } };
  const device = resolveOpcuaDevice(parsed.data, profile, { configDir: process.cwd(), dataDir: process.cwd() });
  const problems = checkOpcuaDevice(device);
  if (problems.length > 0) throw usageError(problems.map((problem) => ({ ...problem, path: problem.path.map(String) })));
  return device;
}

function usageError(problems: Array<{ path: string[]; message: string; fix?: string }>): UsageError {
  const lines = problems.map(({ path: where, message, fix }) => {
    const flag = flagOf[where.join('.')] ?? where.join('.');
    return `${flag}: ${message}${fix ? `\n  fix: ${fix}` : ''}`;
  });
  return new UsageError(lines.join('\n'));
}

async function productName(link: OpcuaLink): Promise<string | undefined> {
  const { opcua } = link.library;
  const value = await link.session.read({ nodeId: `i=${opcua.VariableIds.Server_ServerStatus_BuildInfo_ProductName}`, attributeId: opcua.AttributeIds.Value }).catch(() => undefined);
  return typeof value?.value.value === 'string' && value.value.value !== '' ? value.value.value : undefined;
}

/** The profile as YAML, checked against the profile schema before it is written. */
export function profileYaml(endpoint: string, model: string, variables: FoundVariable[], skipped: Array<{ path: string[]; reason: string }>, namespaceArray: readonly string[]): string {
  const names = new Set<string>();
  const points = variables.map((variable) => {
    let name = snake(variable.path.join('_'));
    for (let n = 2; names.has(name); n++) name = `${snake(variable.path.join('_'))}_${n}`;
    names.add(name);
    return {
      name,
      description: variable.description ?? variable.path.join('/'),
      nodeId: portableNodeId(variable.nodeId, namespaceArray),
      dataType: variable.dataType,
      metric: snake(variable.path[variable.path.length - 1] ?? 'value'),
      unit: variable.unit ?? '',
    };
  });
  const uris = points.map((point) => /^nsu=(.+?);/.exec(point.nodeId)?.[1]).filter((uri): uri is string => uri !== undefined);
  const namespace = mostCommon(uris);
  const document = { protocol: 'opcua', model, description: `discovered at ${endpoint} on ${new Date().toISOString().slice(0, 10)}`, ...(namespace ? { namespace } : {}), points };
  // What the agent would refuse is not written.
  opcuaProfileSchema.parse(document);
  const header = [
    `# Written by davy-agent device discover ${endpoint}.`,
    '# Check each point\'s metric against the hub\'s catalog (e.g. ch4_concentration, active_energy_import),',
    '# remove what the regulator does not need, and set scale/offset or pollInterval where needed.',
    ...(skipped.length > 0 ? ['# Not points (skipped):', ...skipped.slice(0, 50).map((item) => `#   ${item.path.join('/')}: ${item.reason}`)] : []),
    ...(skipped.length > 50 ? [`#   … and ${skipped.length - 50} more`] : []),
  ].join('\n');
  return `${header}\n${stringify(document, { lineWidth: 0 })}`;
}

/** MainFan/Motor/Current → main_fan_motor_current: a valid point name and metric. */
function snake(text: string): string {
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(words) ? words : `v_${words || 'value'}`;
}

function mostCommon(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}
