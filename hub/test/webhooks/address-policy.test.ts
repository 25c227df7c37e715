/**
 * Webhooks go to public addresses unless the hub allows private ones: a URL naming a loopback,
 * private or link-local address (or localhost) is refused when subscribed, naming the setting;
 * a name that resolves inward is refused when a delivery connects; with the setting, a
 * receiver on loopback gets its deliveries.
 */
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { inwardAddress, publicLookup } from '../../src/webhooks/address-policy.js';
import { HttpPoster } from '../../src/webhooks/http-poster.js';
import { openTestApi, problemOf, type TestApi } from '../api/test-api.js';
import { TestReceiver } from './test-receiver.js';

const hint = 'webhooks go to public addresses unless the hub is started with --allow-private-webhooks (allowPrivateWebhooks: true in hub.yaml)';
let api: TestApi | undefined;
afterEach(() => api?.close());

describe('where webhooks may go', () => {
  it('tells inward addresses from public ones, IPv4 written as IPv6 included', () => {
    const inward = ['127.0.0.1', '10.1.2.3', '172.31.255.255', '192.168.0.10', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1'];
    expect(inward.filter((address) => inwardAddress(address) === undefined)).toEqual([]);
    expect(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'].map(inwardAddress)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('refuses an inward URL when subscribed, and a name that resolves inward when connecting', async () => {
    api = await openTestApi({ allowPrivateWebhooks: false });
    const refused = async (url: string) => (await problemOf(await api!.send('POST', '/api/v1/webhooks', { url }), 400)).errors;
    expect(await refused('http://127.0.0.1:8080/alarms')).toEqual([{ name: 'url', in: 'body', detail: `127.0.0.1 is a loopback, private or link-local address: ${hint}` }]);
    expect(await refused('http://169.254.169.254/latest/meta-data')).toEqual([{ name: 'url', in: 'body', detail: `169.254.169.254 is a loopback, private or link-local address: ${hint}` }]);
    expect(await refused('http://[::1]:9000/')).toEqual([{ name: 'url', in: 'body', detail: `::1 is a loopback, private or link-local address: ${hint}` }]);
    expect(await refused('http://localhost:9000/')).toEqual([{ name: 'url', in: 'body', detail: `localhost is this machine: ${hint}` }]);
    expect((await api.send('POST', '/api/v1/webhooks', { url: 'https://alarms.example.com/davy' })).status).toBe(201);

    // A name is checked at each connection, so one that resolves inward later is refused then.
    await expect(promisify(publicLookup)('localhost', { family: 4 })).rejects.toThrow(`localhost resolves to 127.0.0.1 is a loopback, private or link-local address: ${hint}`);
    const poster = new HttpPoster(false);
    await expect(poster.post(new URL('http://10.0.0.1/x'), {}, '{}', { timeoutMs: 1_000, signal: new AbortController().signal })).rejects.toThrow(`10.0.0.1 is a loopback, private or link-local address: ${hint}`);
    poster.close();
  });

  it('posts to a receiver on loopback when private addresses are allowed', async () => {
    const receiver = await TestReceiver.start();
    try {
      const poster = new HttpPoster(true);
      const answer = await poster.post(new URL(receiver.url), { 'Content-Type': 'application/json' }, '{"ok":true}', { timeoutMs: 5_000, signal: new AbortController().signal });
      poster.close();
      expect([answer.status, receiver.received.length]).toEqual([200, 1]);
    } finally {
      await receiver.close();
    }
  });
});
