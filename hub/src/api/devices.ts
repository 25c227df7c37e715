/**
 * GET /api/v1/devices — every device the hub knows (from its series or its gateway's reports)
 * with its last reported state: online or offline and since when, last good read, reads and
 * failed reads by kind. A state is `stale` when its gateway itself is offline.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { DeviceStatus, Store } from '../store/store.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { problemResponses } from './problem.js';
import { nameFilter } from './query-text.js';

const DeviceSchema = z
  .object({
    gateway: z.string().openapi({ example: 'gw-shanxi-01' }),
    device: z.string().openapi({ example: 'ch4-sensor-3' }),
    state: z.string().openapi({ description: "online, offline, connecting, or 'unknown' until the gateway reports", example: 'online' }),
    stateSince: Rfc3339Schema.nullable(),
    stateSinceMs: UnixMsSchema.nullable(),
    reason: z.string().nullable().openapi({ description: 'Why it is offline, as the gateway reported' }),
    lastGoodRead: Rfc3339Schema.nullable(),
    lastGoodReadMs: UnixMsSchema.nullable(),
    reads: z.number().int().nullable().openapi({ description: 'Read requests since the agent started' }),
    errors: z.record(z.string(), z.number().int()).openapi({ description: 'Failed reads by kind since the agent started', example: { timeout: 3 } }),
    lastError: z.string().nullable(),
    reportedAt: Rfc3339Schema.nullable(),
    reportedAtMs: UnixMsSchema.nullable(),
    stale: z.boolean().openapi({ description: 'The gateway is offline: this is the last state it reported' }),
    series: z.number().int().openapi({ description: 'Series of this device' }),
  })
  .openapi('Device');

const DeviceQuery = z.strictObject({
  gateway: nameFilter('Only devices of this gateway id'),
  state: nameFilter("Only devices in this state (online, offline, …, unknown)"),
});

const route = createRoute({
  method: 'get',
  path: '/api/v1/devices',
  tags: ['devices'],
  summary: 'List devices with their state',
  request: { query: DeviceQuery },
  responses: {
    200: { description: 'Matching devices, by gateway and name', content: { 'application/json': { schema: z.object({ items: z.array(DeviceSchema) }) } } },
    ...problemResponses('invalid-parameters', 'unauthorized', 'internal-error', 'unavailable'),
  },
});

const optionalTime = (ms: number | null) => (ms === null ? null : rfc3339(ms));

export function deviceRoutes(store: Store, presence: { now: () => number; onlineWindowMs: number }): OpenAPIHono {
  return new OpenAPIHono().openapi(route, async (c) => {
    const query = c.req.valid('query');
    const [devices, gateways] = await Promise.all([store.devices({ gatewayId: query.gateway, state: query.state }), store.gateways()]);
    const nowMs = presence.now();
    const online = new Set(gateways.filter((gateway) => nowMs - gateway.lastSeenMs <= presence.onlineWindowMs).map((gateway) => gateway.id));
    const items = devices.map((device: DeviceStatus) => ({
      gateway: device.gatewayId,
      device: device.device,
      state: device.state,
      stateSince: optionalTime(device.stateSinceMs),
      stateSinceMs: device.stateSinceMs,
      reason: device.reason,
      lastGoodRead: optionalTime(device.lastGoodReadMs),
      lastGoodReadMs: device.lastGoodReadMs,
      reads: device.reads,
      errors: device.errors,
      lastError: device.lastError,
      reportedAt: optionalTime(device.reportedMs),
      reportedAtMs: device.reportedMs,
      stale: !online.has(device.gatewayId),
      series: device.series,
    }));
    return c.json({ items }, 200);
  });
}
