/**
 * The HTTP driver against a real HTTP server in the test (node:http): basic and bearer auth
 * checked by the server, a header from the environment, a POST body, and the failures a field
 * endpoint has — a 500, no answer within the timeout, an answer that is not JSON, a refused
 * connection — each a bad reading that says why, offline after N in a row, online again after.
 * A redirect is never followed (the credentials would go along); HTTPS checks the device's
 * certificate against tls.ca (relative to agent.yaml's folder); secrets missing from the
 * environment, or written into headers, are config errors.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi, type TestContext } from 'vitest';
import { createLogger } from '@davy/runtime';
import { freePort, waitFor } from '@davy/runtime/testing';
import type { DeviceContext } from '../src/drivers/driver-entry.js';
import { loadProfile } from '../src/profiles/index.js';
import { httpDeviceSchema } from '../src/drivers/http/http-config.js';
import { checkHttpDevice, resolveHttpDevice } from '../src/drivers/http/http-device.js';
import { HttpDriver } from '../src/drivers/http/http-driver.js';
import { RecordingSink } from './support/recording-sink.js';

const log = createLogger({ component: 'test', sink: { write: () => true } });
const profileFile = path.join(import.meta.dirname, 'fixtures', 'mqtt', 'inverter-http.yaml');
/** As if agent.yaml were in fixtures/mqtt: tls.ca is tls/ca.pem relative to it. */
const deviceContext: DeviceContext = { configDir: path.join(import.meta.dirname, 'fixtures', 'mqtt'), dataDir: os.tmpdir() };
const tlsDir = path.join(deviceContext.configDir, 'tls');

beforeAll(() => {
  vi.stubEnv('DAVY_TEST_HTTP_PASSWORD', 'meter-pass');
  vi.stubEnv('DAVY_TEST_HTTP_TOKEN', 'tok-123');
  vi.stubEnv('DAVY_TEST_HTTP_KEY', 'key-456');
});
afterAll(() => vi.unstubAllEnvs());

type Handler = (request: http.IncomingMessage, body: string, response: http.ServerResponse) => void;

async function server(context: TestContext, handler: Handler, tls?: { cert: Buffer; key: Buffer }): Promise<{ url: string; requests: Array<{ method?: string; headers: http.IncomingHttpHeaders; body: string }> }> {
  const requests: Array<{ method?: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  const listener: http.RequestListener = (request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ method: request.method, headers: request.headers, body });
      handler(request, body, response);
    });
  };
  const instance = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => instance.listen(0, '127.0.0.1', resolve));
  context.onTestFinished(() => {
    instance.closeAllConnections();
    return new Promise<void>((resolve) => instance.close(() => resolve()));
  });
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${(instance.address() as AddressInfo).port}/api/status?key=never-logged`, requests };
}

const resolve = (entry: Record<string, unknown>) =>
  resolveHttpDevice(httpDeviceSchema.parse({ name: 'inverter-1', protocol: 'http', profile: profileFile, pollInterval: '100ms', timeout: '300ms', ...entry }), loadProfile(profileFile), deviceContext);

function driver(context: TestContext, entry: Record<string, unknown>): HttpDriver {
  const device = resolve(entry);
  expect(checkHttpDevice(device)).toEqual([]);
  const instance = new HttpDriver(device, log);
  context.onTestFinished(() => instance.stop());
  return instance;
}

const answer = JSON.stringify({ time: 1764115200, data: { ac: { power_W: 5230.5 }, meters: [{ kWh: 81234.5 }], mode: 'MPPT' } });
const json = (response: http.ServerResponse, status: number, body: string) => response.writeHead(status, { 'content-type': 'application/json' }).end(body);

describe('HTTP driver', () => {
  it.concurrent('sends basic auth and maps the answer', async (context) => {
    const endpoint = await server(context, (request, _body, response) => {
      if (request.headers.authorization !== `Basic ${Buffer.from('admin:meter-pass').toString('base64')}`) return json(response, 401, '{}');
      json(response, 200, answer);
    });
    const device = driver(context, { url: endpoint.url, auth: { type: 'basic', username: 'admin', passwordEnv: 'DAVY_TEST_HTTP_PASSWORD' } });
    const sink = new RecordingSink();
    device.start(sink);
    await waitFor(() => sink.received.length >= 6, { what: 'two polls' });
    expect(sink.received.slice(0, 3).map(({ point, value, timeMs, quality }) => ({ point, value, timeMs, quality }))).toEqual([
      { point: 'ac_power', value: 5230.5, timeMs: 1764115200000, quality: 'good' },
      { point: 'energy_total', value: 81234.5, timeMs: 1764115200000, quality: 'good' },
      { point: 'mode', value: 'MPPT', timeMs: 1764115200000, quality: 'good' },
    ]);
    expect(sink.events.map((event) => [event.type, event.body.url])).toEqual([['device.online', `${new URL(endpoint.url).origin}/api/status`]]);
    expect(endpoint.requests[0]).toMatchObject({ method: 'GET', headers: { accept: 'application/json' } });
  });

  it.concurrent('sends a bearer token, a header from the environment and a POST body', async (context) => {
    const endpoint = await server(context, (_request, _body, response) => json(response, 200, answer));
    const device = driver(context, {
      url: endpoint.url,
      method: 'POST',
      body: '{"query":"status"}',
      headersFromEnv: { 'X-Api-Key': 'DAVY_TEST_HTTP_KEY' },
      headers: { 'X-Site': 'mine-7' },
      auth: { type: 'bearer', tokenEnv: 'DAVY_TEST_HTTP_TOKEN' },
    });
    expect((await device.readOnce()).map((reading) => reading.quality)).toEqual(['good', 'good', 'good']);
    expect(endpoint.requests[0]).toMatchObject({
      method: 'POST',
      body: '{"query":"status"}',
      headers: { authorization: 'Bearer tok-123', 'x-api-key': 'key-456', 'x-site': 'mine-7', 'content-type': 'application/json' },
    });
  });

  it.concurrent('makes every failure a bad reading that says why, goes offline after three, and comes back', async (context) => {
    let mode: 'ok' | '500' | 'silent' | 'garbage' = '500';
    const endpoint = await server(context, (_request, _body, response) => {
      if (mode === 'silent') return; // never answers: the driver's timeout ends it
      if (mode === '500') return json(response, 500, '{"error":"inverter busy"}');
      json(response, 200, mode === 'garbage' ? '<html>maintenance</html>' : answer);
    });
    const where = `GET ${new URL(endpoint.url).origin}/api/status`;
    const device = driver(context, { url: endpoint.url, offlineAfterFailures: 3 });
    const sink = new RecordingSink();
    device.start(sink);
    await waitFor(() => sink.events.length === 1, { what: 'the offline event' });
    mode = 'silent';
    await waitFor(() => (device.health().errors.timeout ?? 0) >= 1, { what: 'a timeout' });
    mode = 'garbage';
    await waitFor(() => (device.health().errors.malformed ?? 0) >= 1, { what: 'a malformed answer' });
    mode = 'ok';
    await waitFor(() => sink.events.length === 2, { what: 'the online event' });
    const errors = [...new Set(sink.received.filter((reading) => reading.quality === 'bad').map((reading) => reading.error))];
    expect(errors).toEqual([
      `${where} answered 500 Internal Server Error`,
      `${where}: no complete answer within 300 ms`,
      `${where}: the answer is not JSON: Unexpected token '<', "<html>main"... is not valid JSON`,
    ]);
    expect(sink.events.map((event) => [event.type, event.body.reason])).toEqual([
      ['device.offline', `3 requests in a row failed: ${where} answered 500 Internal Server Error`],
      ['device.online', undefined],
    ]);
    // Each failed poll is counted once, by kind: as many as the polls whose three readings were bad.
    const failedPolls = (error: string) => sink.received.filter((reading) => reading.error === error).length / 3;
    expect(device.health()).toMatchObject({
      state: 'online',
      errors: { 'http-status': failedPolls(errors[0]!), timeout: failedPolls(errors[1]!), malformed: failedPolls(errors[2]!) },
    });
    expect(failedPolls(errors[0]!)).toBeGreaterThanOrEqual(3);
    // The query (it may hold a key) is never in an error or an event.
    expect(JSON.stringify([sink.received, sink.events, device.health()])).not.toContain('never-logged');
  });

  it.concurrent('names a refused connection', async (context) => {
    const port = await freePort();
    const refused = driver(context, { url: `http://127.0.0.1:${port}/x` });
    expect((await refused.readOnce())[0]).toMatchObject({ quality: 'bad', error: `GET http://127.0.0.1:${port}/x: ECONNREFUSED` });
  });

  it.concurrent('never follows a redirect: the credentials stay with the device, and the failure says where it pointed', async (context) => {
    const elsewhere = await server(context, (_request, _body, response) => json(response, 200, answer));
    const redirecting = await server(context, (_request, _body, response) => response.writeHead(302, { location: `${elsewhere.url}&token=x` }).end());
    const device = driver(context, { url: redirecting.url, auth: { type: 'bearer', tokenEnv: 'DAVY_TEST_HTTP_TOKEN' } });
    const readings = await device.readOnce();
    expect(readings[0]).toMatchObject({
      quality: 'bad',
      error: `GET ${new URL(redirecting.url).origin}/api/status answered 302 Found, redirecting to ${new URL(elsewhere.url).origin}/api/status: not followed (the request's credentials would go along); put the final URL in agent.yaml`,
    });
    expect(elsewhere.requests).toEqual([]);
  });

  it.concurrent('checks an HTTPS device\'s certificate against tls.ca, relative to agent.yaml', async (context) => {
    const endpoint = await server(context, (_request, _body, response) => json(response, 200, answer), {
      cert: readFileSync(path.join(tlsDir, 'broker.pem')),
      key: readFileSync(path.join(tlsDir, 'broker.key')),
    });
    const trusting = driver(context, { url: endpoint.url, tls: { ca: 'tls/ca.pem' } });
    expect((await trusting.readOnce()).map((reading) => [reading.point, reading.quality])).toEqual([
      ['ac_power', 'good'],
      ['energy_total', 'good'],
      ['mode', 'good'],
    ]);
    // Without it, Node's CA store does not know the device's CA.
    const untrusting = driver(context, { url: endpoint.url });
    expect((await untrusting.readOnce())[0]).toMatchObject({
      quality: 'bad',
      error: `GET ${new URL(endpoint.url).origin}/api/status: UNABLE_TO_VERIFY_LEAF_SIGNATURE: the device's certificate does not check out against Node's CA store (a private CA goes in tls.ca)`,
    });
  });

  it('refuses, at load, secrets missing from the environment or written into headers, and tls on plain HTTP', () => {
    const problems = checkHttpDevice(
      resolve({
        url: 'http://192.168.1.30/api/status',
        auth: { type: 'bearer', tokenEnv: 'DAVY_TEST_HTTP_UNSET' },
        headersFromEnv: { 'X-Api-Key': 'DAVY_TEST_HTTP_KEY_UNSET' },
        headers: { 'X-Auth': 'hunter2', 'Ocp-Apim-Subscription-Key': 'k', 'X-Site': 'mine-7', 'Keep-Alive': 'timeout=5' },
        tls: { ca: 'tls/missing-ca.pem' },
      }),
    );
    expect(problems.map((problem) => [problem.path.join('.'), problem.message])).toEqual([
      ['headers.X-Auth', 'header X-Auth looks like a secret, and agent.yaml must hold none'],
      ['headers.Ocp-Apim-Subscription-Key', 'header Ocp-Apim-Subscription-Key looks like a secret, and agent.yaml must hold none'],
      ['headersFromEnv.X-Api-Key', 'environment variable DAVY_TEST_HTTP_KEY_UNSET is not set'],
      ['auth.tokenEnv', 'environment variable DAVY_TEST_HTTP_UNSET is not set'],
      ['tls', 'tls is set but http://192.168.1.30/api/status is not an https:// URL'],
      ['tls.ca', `cannot read ${path.join(tlsDir, 'missing-ca.pem')} (ENOENT)`],
    ]);
  });
});
