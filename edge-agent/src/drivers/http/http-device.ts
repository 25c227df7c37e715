/** An HTTP JSON device resolved against its profile: the request, the schedule and the mapping. */
import type { DeviceSpec } from '../../config/device-spec.js';
import { pointSpecOf, type DeviceProfile } from '../../profiles/index.js';
import type { DeviceProblem } from '../driver-entry.js';
import type { JsonPoint } from '../json-mapping/json-mapping.js';
import type { JsonProfileDocument } from '../json-mapping/json-profile-schema.js';
import type { PathExpression } from '../json-mapping/path-expression.js';
import type { HttpAuth, HttpDeviceDocument } from './http-config.js';

export interface HttpDevice extends DeviceSpec {
  protocol: 'http';
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  headersFromEnv: Record<string, string>;
  body?: string;
  auth?: HttpAuth;
  timeoutMs: number;
  offlineAfterFailures: number;
  pollIntervalMs: number;
  jsonPoints: JsonPoint[];
  timestampPath?: PathExpression;
}

export function resolveHttpDevice(device: HttpDeviceDocument, profile: DeviceProfile): HttpDevice {
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
    timeoutMs: device.timeout,
    offlineAfterFailures: device.offlineAfterFailures,
    pollIntervalMs: device.pollInterval,
    jsonPoints: document.points.map((point) => ({ name: point.name, path: point.path, type: point.type, states: point.states, message: point.message })),
    timestampPath: document.timestampPath,
  };
}

const secretHeader = /authorization|token|secret|password|api[-_]?key/i;

export function checkHttpDevice(device: HttpDevice): DeviceProblem[] {
  const problems: DeviceProblem[] = [];
  let url: URL | undefined;
  try {
    url = new URL(device.url);
  } catch {
    problems.push({ path: ['url'], message: `"${device.url}" is not a URL`, fix: 'write it like http://192.168.1.30/api/status' });
  }
  if (url && url.protocol !== 'http:' && url.protocol !== 'https:') problems.push({ path: ['url'], message: `"${url.protocol}" is not http: or https:`, fix: 'use an http:// or https:// URL' });
  if (url && (url.username || url.password)) problems.push({ path: ['url'], message: 'the URL holds credentials', fix: 'remove them from the URL; use auth: { type: basic, username, passwordEnv }' });
  for (const name of Object.keys(device.headers)) {
    if (secretHeader.test(name)) problems.push({ path: ['headers', name], message: `header ${name} looks like a secret, and agent.yaml must hold none`, fix: `move it to headersFromEnv: { ${name}: SOME_ENV_VAR }, or use auth:` });
  }
  const named = [...Object.keys(device.headers), ...Object.keys(device.headersFromEnv)].map((name) => name.toLowerCase());
  if (device.auth && named.includes('authorization')) problems.push({ path: ['auth'], message: 'auth and an Authorization header both set it', fix: 'keep one of them' });
  if (device.body !== undefined && device.method === 'GET') problems.push({ path: ['body'], message: 'a GET request has no body', fix: 'set method: POST, or remove body' });
  if (device.jsonPoints.some((point) => point.message !== undefined)) {
    problems.push({ path: ['profile'], message: `profile ${device.profile} spreads its points over several messages; an HTTP endpoint answers one`, fix: 'use a profile whose points name no message' });
  }
  return problems;
}

/** The URL without credentials or query (which may hold a key), for logs and errors. */
export function safeUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
