/**
 * The HTTP driver against a real HTTP server in the test (node:http): basic and bearer auth
 * checked by the server, a header from the environment, a POST body, and the failures a field
 * endpoint has — a 500, no answer within the timeout, an answer that is not JSON, a refused
 * connection — each a bad reading that says why, offline after N in a row, online again after.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { createLogger } from '@davy/runtime';
import { freePort, waitFor } from '@davy/runtime/testing';
import { loadProfile } from '../src/profiles/index.js';
import { httpDeviceSchema } from '../src/drivers/http/http-config.js';
import { checkHttpDevice, resolveHttpDevice } from '../src/drivers/http/http-device.js';
import { HttpDriver } from '../src/drivers/http/http-driver.js';
import { RecordingSink } from './support/recording-sink.js';

const log = createLogger({ component: 'test', sink: { write: () => true } });
const profileFile = path.join(import.meta.dirname, 'fixtures', 'mqtt', 'inverter-http.yaml');

process.env.DAVY_TEST_HTTP_PASSWORD = 'meter-pass';
process.env.DAVY_TEST_HTTP_TOKEN = 'tok-123';
process.env.DAVY_TEST_HTTP_KEY = 'key-456';

type Handler = (request: http.IncomingMessage, body: string, response: http.ServerResponse) => void;

async function server(context: TestContext, handler: Handler): Promise<{ url: string; requests: Array<{ method?: string; headers: http.IncomingHttpHeaders; body: string }> }> {
  const requests: Array<{ method?: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  const instance = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ method: request.method, headers: request.headers, body });
      handler(request, body, response);
    });
  });
  await new Promise<void>((resolve) => instance.listen(0, '127.0.0.1', resolve));
  context.onTestFinished(() => {
    instance.closeAllConnections();
    return new Promise<void>((resolve) => instance.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(instance.address() as AddressInfo).port}/api/status?key=never-logged`, requests };
}

function driver(context: TestContext, entry: Record<string, unknown>): HttpDriver {
  const document = httpDeviceSchema.parse({ name: 'inverter-1', protocol: 'http', profile: profileFile, pollInterval: '100ms', timeout: '300ms', ...entry });
  const device = resolveHttpDevice(document, loadProfile(profileFile));
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

  it.concurrent('names a refused connection, and a missing secret', async (context) => {
    const port = await freePort();
    const refused = driver(context, { url: `http://127.0.0.1:${port}/x` });
    expect((await refused.readOnce())[0]).toMatchObject({ quality: 'bad', error: `GET http://127.0.0.1:${port}/x: ECONNREFUSED` });
    const unset = driver(context, { url: `http://127.0.0.1:${port}/x`, auth: { type: 'bearer', tokenEnv: 'DAVY_TEST_HTTP_UNSET' } });
    expect((await unset.readOnce())[0]).toMatchObject({ quality: 'bad', error: "environment variable DAVY_TEST_HTTP_UNSET is not set: set it in the agent's environment (e.g. its systemd unit)" });
  });
});
