/**
 * Device health reaches the regulator's side: GET /api/v1/devices shows each device online with
 * its reads, then offline with the reason once the device goes away — all from what the agent
 * reports, through the outbox and the hub.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '@davy/runtime/testing';
import { TestStack, deviceName, gatewayId } from './support/stack.js';

interface DeviceItem {
  gateway: string;
  device: string;
  state: string;
  reason: string | null;
  reads: number | null;
  errors: Record<string, number>;
  lastGoodReadMs: number | null;
  stale: boolean;
  series: number;
}

describe('device health at the hub', () => {
  it('shows the device online with its reads, then offline with the reason', async (context) => {
    const stack = await TestStack.start({ profile: 'belt-scale', pollInterval: '200ms', agentYaml: ['deviceHealth: { interval: 1s }'] }, context);
    const online = await waitFor(
      async () => {
        const { items } = await stack.api<{ items: DeviceItem[] }>('/devices');
        return items.find((item) => item.state === 'online' && (item.reads ?? 0) > 0);
      },
      { what: 'the device online with reads', timeoutMs: 20_000 },
    );
    expect(online).toMatchObject({ gateway: gatewayId, device: deviceName, stale: false, series: 4, errors: {} });
    expect(online.lastGoodReadMs).toBeGreaterThan(Date.now() - 10_000);

    await stack.sim!.stop();
    const offline = await waitFor(
      async () => {
        const { items } = await stack.api<{ items: DeviceItem[] }>(`/devices?gateway=${gatewayId}&state=offline`);
        return items[0];
      },
      { what: 'the device offline', timeoutMs: 20_000 },
    );
    expect(offline.device).toBe(deviceName);
    expect(offline.reason).toMatch(/^3 polls in a row failed: |^cannot connect to 127\.0\.0\.1:\d+: /);
    // The next health report counts the failures by kind.
    const counted = await waitFor(
      async () => {
        const { items } = await stack.api<{ items: DeviceItem[] }>(`/devices?state=offline`);
        return items.find((item) => Object.values(item.errors).reduce((sum, n) => sum + n, 0) > 0);
      },
      { what: 'failed reads counted', timeoutMs: 20_000 },
    );
    expect(Object.keys(counted.errors).every((kind) => ['timeout', 'connection', 'exception'].includes(kind))).toBe(true);
  }, 60_000);
});
