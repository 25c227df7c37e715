/** An OPC UA device resolved against its profile: every point with its address, interval and filter. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@davy/runtime';
import type { DeviceSpec, PointSpec } from '../../config/device-spec.js';
import { pointSpecOf, type DeviceProfile } from '../../profiles/index.js';
import type { DeviceContext, DeviceProblem } from '../driver-entry.js';
import { parseBrowsePath, parseNodeId, type NodeAddress } from './node-address.js';
import type { OpcuaDeviceDocument, SecurityModeName, SecurityPolicyName } from './opcua-config.js';
import type { Deadband, OpcuaDataType, OpcuaProfileDocument } from './profile-schema.js';

export const defaultSamplingIntervalMs = 1000;

export interface OpcuaPoint extends PointSpec {
  address: NodeAddress;
  dataType?: OpcuaDataType;
  deadband?: Deadband;
}

export type OpcuaAuth =
  | { type: 'anonymous' }
  | { type: 'user'; username: string; passwordEnv: string; allowPlainTextPassword: boolean }
  | { type: 'certificate'; certificateFile: string; privateKeyFile: string };

/** How the server's certificate comes to be trusted: on first sight, from a file, or by hand (the pki's trusted folder). */
export type ServerTrust = { kind: 'auto' } | { kind: 'file'; file: string } | { kind: 'pki' };

export interface OpcuaDevice extends DeviceSpec {
  protocol: 'opcua';
  endpoint: string;
  securityMode: SecurityModeName;
  securityPolicy: SecurityPolicyName;
  /** The policy as written (undefined: derived from the mode), so check() can tell a contradiction from a default. */
  securityPolicySet: boolean;
  trust: ServerTrust;
  auth: OpcuaAuth;
  /** Absolute: own/, trusted/, rejected/ of the agent's certificates. */
  pkiDir: string;
  mode: 'subscribe' | 'poll';
  publishingIntervalMs: number;
  queueSize?: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  sessionTimeoutMs: number;
  keepAliveMs: number;
  reconnectMaxMs: number;
  points: OpcuaPoint[];
}

export function resolveOpcuaDevice(device: OpcuaDeviceDocument, profile: DeviceProfile, context: DeviceContext): OpcuaDevice {
  const document = profile.document as OpcuaProfileDocument;
  const fromConfig = (file: string) => path.resolve(context.configDir, file);
  const points = document.points.map((point): OpcuaPoint => {
    // The profile schema has checked both forms; a failure here cannot happen for a loaded profile.
    const address: NodeAddress =
      point.nodeId !== undefined
        ? { kind: 'nodeId', text: point.nodeId, nodeId: orThrow(parseNodeId(point.nodeId)) }
        : { kind: 'browsePath', text: point.browsePath!, segments: orThrow(parseBrowsePath(point.browsePath!, document.namespace)) };
    return {
      ...pointSpecOf(point, point.pollInterval ?? device.samplingInterval ?? document.defaults?.pollInterval ?? defaultSamplingIntervalMs, device.reportByException),
      address,
      dataType: point.dataType,
      deadband: point.deadband ?? device.deadband,
    };
  });
  const auth: OpcuaAuth =
    device.auth.type === 'certificate'
      ? { type: 'certificate', certificateFile: fromConfig(device.auth.certificate), privateKeyFile: fromConfig(device.auth.privateKey) }
      : device.auth;
  const trustSetting = device.trustServerCertificate;
  return {
    name: device.name,
    protocol: 'opcua',
    profile: profile.name,
    endpoint: device.endpoint,
    securityMode: device.securityMode,
    securityPolicy: device.securityPolicy ?? (device.securityMode === 'None' ? 'None' : 'Basic256Sha256'),
    securityPolicySet: device.securityPolicy !== undefined,
    trust: trustSetting === undefined ? { kind: 'pki' } : trustSetting === 'auto' ? { kind: 'auto' } : { kind: 'file', file: fromConfig(trustSetting) },
    auth,
    pkiDir: device.pki === undefined ? path.join(context.dataDir, 'pki') : fromConfig(device.pki),
    mode: device.mode,
    publishingIntervalMs: device.publishingInterval,
    queueSize: device.queueSize,
    timeoutMs: device.timeout,
    connectTimeoutMs: device.connectTimeout,
    sessionTimeoutMs: device.sessionTimeout,
    keepAliveMs: device.keepAlive,
    reconnectMaxMs: device.reconnectMax,
    points,
  };
}

function orThrow<T>(parsed: T | { error: string }): T {
  if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) throw new Error(parsed.error);
  return parsed;
}

/** Settings that contradict each other, and files or environment variables that are not there. */
export function checkOpcuaDevice(device: OpcuaDevice): DeviceProblem[] {
  const problems: DeviceProblem[] = [];
  if (device.securityPolicySet && device.securityMode === 'None' && device.securityPolicy !== 'None') {
    problems.push({
      path: ['securityPolicy'],
      message: `securityPolicy ${device.securityPolicy} signs and encrypts nothing with securityMode None`,
      fix: 'set securityMode: SignAndEncrypt (or Sign), or remove securityPolicy',
    });
  }
  if (device.securityMode !== 'None' && device.securityPolicy === 'None') {
    problems.push({
      path: ['securityPolicy'],
      message: `securityMode ${device.securityMode} needs a security policy, not None`,
      fix: 'set securityPolicy: Basic256Sha256, or remove it (Basic256Sha256 is the default)',
    });
  }
  if (device.auth.type === 'user') problems.push(...passwordProblems(device, device.auth));
  const missing = (file: string, where: string[], what: string, fix: string) => {
    if (!existsSync(file)) problems.push({ path: where, message: `${what} ${file} does not exist`, fix });
  };
  if (device.trust.kind === 'file') {
    missing(device.trust.file, ['trustServerCertificate'], 'the server certificate file', 'copy the server\'s certificate there, or write auto to trust it when first seen');
  }
  if (device.auth.type === 'certificate') {
    missing(device.auth.certificateFile, ['auth', 'certificate'], 'the user certificate file', 'give the path of the user\'s certificate, relative to this config file');
    missing(device.auth.privateKeyFile, ['auth', 'privateKey'], 'the private key file', 'give the path of the user certificate\'s private key, relative to this config file');
  }
  const filtered = device.points.filter((point) => point.deadband !== undefined).map((point) => point.name);
  if (device.mode === 'poll' && filtered.length > 0) {
    problems.push({
      path: ['mode'],
      message: `a deadband is applied by the server to subscriptions, and mode is poll (points with one: ${filtered.join(', ')})`,
      fix: 'use mode: subscribe, or reportByException (the agent applies it) instead of deadband',
    });
  }
  return problems;
}

function passwordProblems(device: OpcuaDevice, auth: Extract<OpcuaAuth, { type: 'user' }>): DeviceProblem[] {
  const problems: DeviceProblem[] = [];
  if (process.env[auth.passwordEnv] === undefined) {
    problems.push({
      path: ['auth', 'passwordEnv'],
      message: `the environment variable ${auth.passwordEnv} is not set`,
      fix: `export the password of ${auth.username} in ${auth.passwordEnv} before starting (it is never written in the config)`,
    });
  }
  if (device.securityMode === 'None' && !auth.allowPlainTextPassword) {
    problems.push({
      path: ['auth', 'type'],
      message: `with securityMode None the password of ${auth.username} may cross the line unencrypted`,
      fix: 'use securityMode SignAndEncrypt (the server must offer it), or set allowPlainTextPassword: true in auth if no one else can read the line',
    });
  }
  return problems;
}

/** The password login that check() let through on an unsecured channel, said once when the device starts. */
export function warnIfPasswordInClear(device: OpcuaDevice, log: Logger): void {
  if (device.auth.type !== 'user' || device.securityMode !== 'None') return;
  log.warn('opcua.password_unencrypted', { username: device.auth.username, fix: 'use securityMode SignAndEncrypt, unless no one else can read the line' });
}
