/** An HTTP JSON device resolved against its profile: the request, the schedule and the mapping. */
import path from 'node:path';
import type { DeviceSpec } from '../../config/device-spec.js';
import { pointSpecOf, type DeviceProfile } from '../../profiles/index.js';
import type { DeviceContext, DeviceProblem } from '../driver-entry.js';
import type { JsonPoint } from '../json-mapping/json-mapping.js';
import type { JsonProfileDocument } from '../json-mapping/json-profile-schema.js';
import type { PathExpression } from '../json-mapping/path-expression.js';
import { fileProblem, secretProblem } from '../json-mapping/secret-source.js';
import type { HttpAuth, HttpDeviceDocument } from './http-config.js';

export interface HttpDevice extends DeviceSpec {
  protocol: 'http';
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  headersFromEnv: Record<string, string>;
  body?: string;
  auth?: HttpAuth;
  /** Absolute: the CA the device's certificate is checked against (else Node's CA store). */
  tlsCa?: string;
  timeoutMs: number;
  offlineAfterFailures: number;
  pollIntervalMs: number;
  jsonPoints: JsonPoint[];
  timestampPath?: PathExpression;
}

export function resolveHttpDevice(device: HttpDeviceDocument, profile: DeviceProfile, context: DeviceContext): HttpDevice {
  const document = profile.document as JsonProfileDocument;
  return {
    name: device.name,
    protocol: 'http',
    profile: profile.name,
    points: document.points.map((point) => pointSpecOf(point, device.pollInterval, device.reportByException)),
    url: device.url,
    method: device.method,
    headers: device.headers,
    headersFromEnv: device.headersFromEnv,
    body: device.body,
    auth: device.auth,
    tlsCa: device.tls && path.resolve(context.configDir, device.tls.ca),
    timeoutMs: device.timeout,
    offlineAfterFailures: device.offlineAfterFailures,
    pollIntervalMs: device.pollInterval,
    jsonPoints: document.points.map((point) => ({ name: point.name, path: point.path, type: point.type, states: point.states, message: point.message })),
    timestampPath: document.timestampPath,
  };
}

/**
 * Header names that carry credentials: Authorization and its home-made cousins (X-Auth,
 * X-Auth-Token, X-Access-Token), API and subscription keys, passwords, cookies and signatures.
 * A false alarm costs moving the header to headersFromEnv; a miss puts a secret in agent.yaml.
 */
const secretHeader = /auth|token|secret|passw|pwd|cookie|credential|signature|session|api[-_]?key|(^|[-_])key([-_]|$)/i;

export function checkHttpDevice(device: HttpDevice): DeviceProblem[] {
  const problems: DeviceProblem[] = [];
  const problem = (at: Array<string | number>, message: string, fix: string) => problems.push({ path: at, message, fix });
  let url: URL | undefined;
  try {
    url = new URL(device.url);
  } catch {
    problem(['url'], `"${device.url}" is not a URL`, 'write it like http://192.168.1.30/api/status');
  }
  if (url && url.protocol !== 'http:' && url.protocol !== 'https:') problem(['url'], `"${url.protocol}" is not http: or https:`, 'use an http:// or https:// URL');
  if (url && (url.username || url.password)) problem(['url'], 'the URL holds credentials', 'remove them from the URL; use auth: { type: basic, username, passwordEnv }');
  for (const name of Object.keys(device.headers)) {
    if (secretHeader.test(name)) problem(['headers', name], `header ${name} looks like a secret, and agent.yaml must hold none`, `move it to headersFromEnv: { ${name}: SOME_ENV_VAR }, or use auth:`);
  }
  const named = [...Object.keys(device.headers), ...Object.keys(device.headersFromEnv)].map((name) => name.toLowerCase());
  if (device.auth && named.includes('authorization')) problem(['auth'], 'auth and an Authorization header both set it', 'keep one of them');
  if (device.body !== undefined && device.method === 'GET') problem(['body'], 'a GET request has no body', 'set method: POST, or remove body');
  if (device.jsonPoints.some((point) => point.message !== undefined)) {
    problem(['profile'], `profile ${device.profile} spreads its points over several messages; an HTTP endpoint answers one`, 'use a profile whose points name no message');
  }
  // Secrets are read at every request; one missing at start would only make bad readings forever.
  const secrets: Array<[Array<string | number>, string]> = Object.entries(device.headersFromEnv).map(([name, env]) => [['headersFromEnv', name], env]);
  if (device.auth?.type === 'basic') secrets.push([['auth', 'passwordEnv'], device.auth.passwordEnv]);
  if (device.auth?.type === 'bearer') secrets.push([['auth', 'tokenEnv'], device.auth.tokenEnv]);
  for (const [at, env] of secrets) {
    const missing = secretProblem({ env });
    if (missing) problem(at, missing.message, missing.fix);
  }
  if (device.tlsCa !== undefined) {
    if (url && url.protocol !== 'https:') problem(['tls'], `tls is set but ${safeUrl(device.url)} is not an https:// URL`, 'use https:// for the device, or remove tls');
    const unreadable = fileProblem(device.tlsCa);
    if (unreadable) problem(['tls', 'ca'], `cannot read ${device.tlsCa} (${unreadable})`, 'check the path (relative to agent.yaml\'s folder) and that the agent may read it');
  }
  return problems;
}

/** The URL without credentials or query (which may hold a key), for logs and errors. */
export function safeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
