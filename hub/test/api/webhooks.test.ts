/**
 * Alarm webhooks end to end: samples ingested as a gateway sends them raise and clear an alarm,
 * an admin acknowledges it, and a real HTTP receiver on 127.0.0.1 gets each change, signed with
 * HMAC-SM3, in order, retried with growing delays until it answers 2xx or the limit is reached;
 * a delivery cut short by the hub closing goes out once it is open again on the same database;
 * a removed webhook gets nothing more; only platform admins manage webhooks; the secret is
 * shown once.
 */
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from '@davy/runtime/testing';
import type { Alarm } from '../../src/alarms/alarm-store.js';
import type { DeliveryTimings } from '../../src/webhooks/index.js';
import { openCoalMineApi } from '../alarms/coal-mine-api.js';
import { TestReceiver } from '../webhooks/test-receiver.js';
import { openTestApi, problemOf, type TestApi } from './test-api.js';
import type { TestGateway } from './test-gateway.js';

const methane = { device: 'ch4-1', point: 'ch4', metric: 'ch4_concentration', unit: '%' };
const key = 'gw-a/ch4-1/ch4';
const enterprise = '91350100M000100Y43';
const password = 'Webhook-2026-x';
/** Retries after exactly 100, 200, 400 … ms (no jitter), so that tests take a second, not a day. */
const fast: Partial<DeliveryTimings> = { requestTimeoutMs: 2_000, retry: { initialMs: 100, maxMs: 1_000, random: () => 1 } };

interface DeliveryItem {
  id: string;
  event: string;
  alarmId: number;
  state: string;
  attempts: number;
  lastError: string | null;
  nextAttemptMs: number | null;
}

let api: TestApi;
let gateway: TestGateway;
const cleanups: Array<() => unknown> = [];

async function open(timings: Partial<DeliveryTimings> = fast, dataDir?: string): Promise<void> {
  ({ api, gateway } = await openCoalMineApi(Date.now, { webhookTimings: timings, dataDir }));
}

async function receiver(): Promise<TestReceiver> {
  const started = await TestReceiver.start();
  cleanups.push(() => started.close());
  return started;
}

beforeEach(() => {
  cleanups.length = 0;
});
afterEach(async () => {
  await api?.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const admin = () => `Bearer ${api.token}`;

async function subscribe(url: string, minSeverity?: string): Promise<{ id: number; secret: string }> {
  const response = await api.send('POST', '/api/v1/webhooks', { url, minSeverity }, admin());
  expect(response.status).toBe(201);
  return (await response.json()) as { id: number; secret: string };
}

/** Sends (time s, value) samples of the methane sensor and waits for the rules to take them. */
async function send(...samples: Array<[number, number]>): Promise<void> {
  await gateway.send({ samples: samples.map(([s, value]) => ({ point: methane, timeMs: s * 1_000, value })) });
  await api.engine.idle();
}

/** Puts the sensor on a working face (alarm ≥ 1.0 %, power cut ≥ 1.5 %, restore < 1.0 %), after a first quiet sample. */
async function onWorkingFace(): Promise<void> {
  await send([1, 0.2]);
  expect((await api.send('PUT', '/api/v1/point-locations', { key, location: 'working_face' }, admin())).status).toBe(200);
}

async function deliveries(webhookId: number): Promise<DeliveryItem[]> {
  return (await api.json<{ items: DeliveryItem[] }>(`/api/v1/webhooks/${webhookId}/deliveries`)).items;
}

/** The webhook's deliveries once none is pending. */
async function settled(webhookId: number, count: number): Promise<DeliveryItem[]> {
  return waitFor(
    async () => {
      const items = await deliveries(webhookId);
      return items.length === count && items.every((item) => item.state !== 'pending') && items;
    },
    { what: `${count} settled deliveries of webhook ${webhookId}`, intervalMs: 20 },
  );
}

const logged = (event: string) => api.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === event);

describe('alarm webhooks', () => {
  it('posts raised, cleared and acknowledged in order, signed with HMAC-SM3; a later change waits while the first is retried', async () => {
    await open();
    const hook = await receiver();
    hook.answer = (index) => (index === 0 ? 503 : 200);
    const { id, secret } = await subscribe(hook.url);
    await onWorkingFace();
    await send([2, 1.2]);
    await send([3, 0.5]);
    expect((await api.send('POST', '/api/v1/alarms/1/ack', { comment: 'vented' }, admin())).status).toBe(200);

    const requests = await hook.waitForRequests(4);
    expect(hook.events()).toEqual(['alarm.raised', 'alarm.raised', 'alarm.cleared', 'alarm.acknowledged']);
    for (const request of requests) {
      const body = JSON.parse(request.body) as { id: string; event: string };
      const timestamp = String(request.headers['davy-timestamp']);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['davy-event']).toBe(body.event);
      expect(request.headers['davy-delivery']).toBe(body.id);
      expect(request.headers['davy-signature']).toBe(`hmac-sm3=${createHmac('sm3', secret).update(`${timestamp}.${request.body}`).digest('hex')}`);
      // Signed when sent, retries included: a receiver may refuse stale timestamps.
      expect(Math.abs(Number(timestamp) - request.atMs)).toBeLessThan(1_000);
    }
    // The retry is the same delivery, the same body.
    expect(requests[1]!.body).toBe(requests[0]!.body);

    const final = (await api.alarms.get(1))!;
    const unacknowledged: Alarm = { ...final, acknowledged: false, acknowledgedMs: null, acknowledgedBy: null, ackComment: null };
    const [raised, , cleared, acknowledged] = requests.map((request) => JSON.parse(request.body) as unknown);
    const deliveryId = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(raised).toEqual({
      id: deliveryId,
      event: 'alarm.raised',
      time: '1970-01-01T00:00:02.000Z',
      alarm: { ...unacknowledged, active: true, clearedMs: null, lastMs: 2_000, lastValue: 1.2, worstValue: 1.2 },
    });
    expect(cleared).toEqual({ id: deliveryId, event: 'alarm.cleared', time: '1970-01-01T00:00:03.000Z', alarm: unacknowledged });
    expect(acknowledged).toEqual({ id: deliveryId, event: 'alarm.acknowledged', time: new Date(final.acknowledgedMs!).toISOString(), alarm: final });
    expect(final).toMatchObject({ id: 1, severity: 'major', active: false, clearedMs: 3_000, acknowledged: true, acknowledgedBy: 'hub-token', ackComment: 'vented' });

    expect((await settled(id, 3)).map((d) => [d.event, d.alarmId, d.state, d.attempts, d.lastError, d.nextAttemptMs])).toEqual([
      ['alarm.acknowledged', 1, 'delivered', 1, null, null],
      ['alarm.cleared', 1, 'delivered', 1, null, null],
      ['alarm.raised', 1, 'delivered', 2, 'HTTP 503 Service Unavailable', null],
    ]);
    expect((await deliveries(id)).map((d) => d.id)).toEqual([acknowledged, cleared, raised].map((body) => (body as { id: string }).id));
  });

  it('tries a receiver answering 500 twice then 200 exactly 3 times, with growing delays, and ends delivered', async () => {
    await open();
    const hook = await receiver();
    hook.answer = (index) => (index < 2 ? 500 : 200);
    const { id } = await subscribe(hook.url);
    await onWorkingFace();
    await send([2, 1.2]);

    const [first, second, third] = await hook.waitForRequests(3);
    expect((await settled(id, 1)).map((d) => [d.event, d.state, d.attempts, d.lastError])).toEqual([['alarm.raised', 'delivered', 3, 'HTTP 500 Internal Server Error']]);
    expect(hook.received).toHaveLength(3);
    expect(logged('webhook.attempt_failed').map((line) => [line.level, line.webhook, line.attempts, line.retryInMs, line.error])).toEqual([
      ['info', id, 1, 100, 'HTTP 500 Internal Server Error'],
      ['info', id, 2, 200, 'HTTP 500 Internal Server Error'],
    ]);
    const gaps = [second!.atMs - first!.atMs, third!.atMs - second!.atMs];
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
  });

  it('gives a delivery up after the limit, whatever failed: a status, a refused connection, no answer in time', async () => {
    await open({ ...fast, maxAttempts: 2, requestTimeoutMs: 300 });
    const [failing, silent] = [await receiver(), await receiver()];
    failing.answer = () => 500;
    silent.answer = () => 'hang';
    const nobodyPort = await freePort();
    const hooks = [await subscribe(failing.url), await subscribe(`http://127.0.0.1:${nobodyPort}/hooks`), await subscribe(silent.url)];
    await onWorkingFace();
    await send([2, 1.2]);

    const outcomes = await Promise.all(hooks.map(async ({ id }) => (await settled(id, 1)).map((d) => [d.state, d.attempts, d.lastError])));
    expect(outcomes).toEqual([
      [['failed', 2, 'HTTP 500 Internal Server Error']],
      [['failed', 2, `connect ECONNREFUSED 127.0.0.1:${nobodyPort}`]],
      [['failed', 2, 'no complete answer within 300 ms']],
    ]);
    expect([failing.received.length, silent.received.length]).toEqual([2, 2]);
    const warnings = logged('webhook.delivery_failed').map((line) => [line.level, line.webhook, line.alarm, line.webhookEvent, line.attempts, line.error]);
    expect(warnings.sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      ['warn', hooks[0]!.id, 1, 'alarm.raised', 2, 'HTTP 500 Internal Server Error'],
      ['warn', hooks[1]!.id, 1, 'alarm.raised', 2, `connect ECONNREFUSED 127.0.0.1:${nobodyPort}`],
      ['warn', hooks[2]!.id, 1, 'alarm.raised', 2, 'no complete answer within 300 ms'],
    ]);
    for (const { secret } of hooks) expect(api.logLines.join('\n')).not.toContain(secret);
  });

  it('posts only changes of alarms at the minimum severity or worse', async () => {
    await open();
    const [critical, all] = [await receiver(), await receiver()];
    await subscribe(critical.url, 'critical');
    await subscribe(all.url);
    await onWorkingFace();
    await send([2, 1.2], [3, 1.6], [4, 0.5]);
    await all.waitForRequests(3);
    await critical.waitForRequests(2);
    expect(all.events()).toEqual(['alarm.raised', 'alarm.escalated', 'alarm.cleared']);
    expect(critical.events()).toEqual(['alarm.escalated', 'alarm.cleared']);
  });

  it('sends a delivery cut short by closing once the hub is open again on the same database', async () => {
    const folder = tempDir('davy-webhook-restart-');
    cleanups.push(folder.remove);
    // A long timeout: only closing can end the first attempt.
    await open({ ...fast, requestTimeoutMs: 60_000 }, folder.dir);
    const hook = await receiver();
    hook.answer = (index) => (index === 0 ? 'hang' : 200);
    const { id } = await subscribe(hook.url);
    await onWorkingFace();
    await send([2, 1.2]);
    const [cut] = await hook.waitForRequests(1);

    const token = api.token;
    const closing = Date.now();
    await api.close();
    // Closing ended the attempt under way (the receiver saw its connection closed) instead of waiting for its answer.
    await cut!.ended;
    expect(Date.now() - closing).toBeLessThan(2_000);
    // Nothing of the hub's is left running: no timer, no connection (the receiver's end of it closes a moment later).
    await waitFor(() => !process.getActiveResourcesInfo().some((resource) => resource === 'Timeout' || resource === 'TCPSocketWrap'), {
      what: 'no timer or connection left after closing',
      timeoutMs: 2_000,
      intervalMs: 20,
    });

    api = await openTestApi({ dataDir: folder.dir, token, webhookTimings: fast });
    const [, again] = await hook.waitForRequests(2);
    expect(again!.body).toBe(cut!.body);
    // Cut short by the hub, not failed by the receiver: not counted as an attempt.
    expect((await settled(id, 1)).map((d) => [d.event, d.state, d.attempts, d.lastError])).toEqual([['alarm.raised', 'delivered', 1, null]]);
  });

  it('sends nothing more to a removed webhook, its pending retry included', async () => {
    await open();
    const [removed, witness] = [await receiver(), await receiver()];
    removed.answer = () => 500;
    const gone = await subscribe(removed.url);
    await subscribe(witness.url);
    await onWorkingFace();
    await send([2, 1.2]);
    await removed.waitForRequests(1);
    expect((await api.send('DELETE', `/api/v1/webhooks/${gone.id}`, undefined, admin())).status).toBe(204);

    await send([3, 0.5]);
    await witness.waitForRequests(2);
    // The removed webhook's retry was due 100 ms after its first attempt: give it three times that.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(removed.received).toHaveLength(1);
    expect(witness.events()).toEqual(['alarm.raised', 'alarm.cleared']);
    expect((await problemOf(await api.get(`/api/v1/webhooks/${gone.id}/deliveries`, admin()), 404)).detail).toBe(`there is no webhook ${gone.id}`);
    expect((await problemOf(await api.send('DELETE', `/api/v1/webhooks/${gone.id}`, undefined, admin()), 404)).detail).toBe(`there is no webhook ${gone.id}`);
    expect((await api.json<{ items: Array<{ url: string }> }>('/api/v1/webhooks')).items.map((w) => w.url)).toEqual([witness.url]);
  });

  it('lets only platform admins manage webhooks', async () => {
    await open();
    await subscribe('https://alarms.example.com/davy');
    await api.users.createUser({ name: 'ent-a', role: 'enterprise', enterpriseCode: enterprise, password }, { mustChangePassword: false });
    const login = (await (await api.send('POST', '/api/v1/auth/login', { name: 'ent-a', password }, null)).json()) as { token: string };
    const user = `Bearer ${login.token}`;
    const refused = [
      await api.get('/api/v1/webhooks', user),
      await api.send('POST', '/api/v1/webhooks', { url: 'https://elsewhere.example.com/' }, user),
      await api.send('DELETE', '/api/v1/webhooks/1', undefined, user),
      await api.get('/api/v1/webhooks/1/deliveries', user),
    ];
    for (const response of refused) expect((await problemOf(response, 403)).detail).toBe('only a platform admin manages webhooks');
    expect((await api.json<{ items: unknown[] }>('/api/v1/webhooks')).items).toHaveLength(1);
  });

  it('refuses a URL that is not http or https, naming the field', async () => {
    await open();
    const fix = 'write it as http://HOST[:PORT]/PATH or https://HOST[:PORT]/PATH';
    const cases: Array<[unknown, string]> = [
      ['ftp://files.example.com/in', `"ftp://files.example.com/in" is not an http or https URL (its scheme is ftp): ${fix}`],
      ['alarms.example.com/davy', `"alarms.example.com/davy" is not a URL: ${fix}`],
      ['https://user:pw@alarms.example.com/', 'has a user or password in it: give the URL without credentials; receivers authenticate the hub by the signature'],
    ];
    for (const [url, detail] of cases) {
      const problem = await problemOf(await api.send('POST', '/api/v1/webhooks', { url }, admin()), 400);
      expect(problem.errors).toEqual([{ name: 'url', in: 'body', detail }]);
      expect(problem.detail).toBe(`url: ${detail}`);
    }
    expect((await problemOf(await api.send('POST', '/api/v1/webhooks', { url: 'https://a.example.com/', minSeverity: 'severe' }, admin()), 400)).errors!.map((e) => e.name)).toEqual(['minSeverity']);
    expect((await api.json<{ items: unknown[] }>('/api/v1/webhooks')).items).toEqual([]);
  });

  it('shows the secret in the answer to POST only: not in the list, the audit log or the logs', async () => {
    await open();
    const response = await api.send('POST', '/api/v1/webhooks', { url: 'https://alarms.example.com/davy', description: 'control room', minSeverity: 'major' }, admin());
    expect(response.status).toBe(201);
    const made = (await response.json()) as { secret: string; createdMs: number };
    const listed = { id: 1, url: 'https://alarms.example.com/davy', description: 'control room', minSeverity: 'major', createdBy: 'hub-token', created: new Date(made.createdMs).toISOString(), createdMs: made.createdMs };
    expect(made).toEqual({ ...listed, secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(Buffer.from(made.secret, 'base64url')).toHaveLength(32);

    const list = await api.get('/api/v1/webhooks', admin());
    const text = await list.text();
    expect(JSON.parse(text)).toEqual({ items: [listed] });
    expect(text).not.toContain(made.secret);
    expect((await api.send('DELETE', '/api/v1/webhooks/1', undefined, admin())).status).toBe(204);
    const records = await api.audit.list({ limit: 100 });
    expect(records.map((r) => [r.actor, r.action, r.target, r.result])).toEqual([
      ['hub-token', 'DELETE /api/v1/webhooks/1', '/api/v1/webhooks/1', 'ok'],
      ['hub-token', 'POST /api/v1/webhooks', '/api/v1/webhooks', 'ok'],
    ]);
    expect(JSON.stringify(records)).not.toContain(made.secret);
    expect(api.logLines.join('\n')).not.toContain(made.secret);
  });
});
