/** agent.yaml: who the gateway is, where the hub is, how to buffer, and its devices. */
import { z } from 'zod';
import { creditCodeProblem, durationMs, sizeBytes } from '@davy/runtime';
import { deviceSchemas } from '../drivers/registry.js';
import { gatewayIdPattern } from './names.js';

const creditCode = z
  .string()
  .describe('the enterprise\'s 18-character unified social credit code (GB 32100)')
  .superRefine((code, context) => {
    const problem = creditCodeProblem(code);
    if (problem) context.addIssue({ code: 'custom', message: problem, params: { fix: 'copy the code from the business licence (营业执照)' } });
  });

export const agentConfigSchema = z
  .object({
    gateway: z
      .object({
        id: z.string().regex(gatewayIdPattern, { error: 'a gateway id is 1-64 letters, digits, "_", "." or "-"' }).describe('this gateway\'s id, unique at the hub, e.g. gw-shanxi-001'),
        enterprise: creditCode,
        site: z.string().min(1).describe('the site this gateway serves, e.g. the mine\'s name'),
      })
      .strict(),
    hub: z
      .object({
        transport: z.enum(['grpc', 'nats']).default('grpc').describe('grpc: a stream to the hub; nats: batches published to NATS JetStream, which hubs consume'),
        address: z.string().min(1).describe('grpc: the hub\'s address, host:port (e.g. 127.0.0.1:9090); nats: the NATS server(s), nats://host:port, comma-separated'),
      })
      .strict(),
    outbox: z
      .object({
        path: z.string().default('data/outbox.db').describe('the outbox SQLite file, relative to this config file'),
        maxSize: sizeBytes().default(2 * 1024 ** 3).describe('the size cap; when full the oldest records are dropped and reported, e.g. 2GiB'),
        sync: z.enum(['full', 'normal']).default('full').describe('full: a power cut loses no committed reading; normal: faster on slow flash, may lose the last ones'),
      })
      .strict()
      .default({ path: 'data/outbox.db', maxSize: 2 * 1024 ** 3, sync: 'full' }),
    uplink: z
      .object({
        batchMaxRecords: z.number().int().min(1).max(50_000).default(1000).describe('records per batch'),
        batchMaxAge: durationMs().default(200).describe('how long a record may wait for a full batch, e.g. 200ms'),
        window: z.number().int().min(1).max(256).default(8).describe('batches sent before the first ack returns'),
        ackTimeout: durationMs().default(15_000).describe('how long to wait for an ack before the stream is rebuilt'),
        heartbeat: durationMs().default(10_000).describe('an empty batch after this much silence, so the hub sees the gateway online'),
        reconnectMin: durationMs().default(500).describe('first reconnect delay'),
        reconnectMax: durationMs().default(15_000).describe('longest reconnect delay'),
      })
      .strict()
      .default({ batchMaxRecords: 1000, batchMaxAge: 200, window: 8, ackTimeout: 15_000, heartbeat: 10_000, reconnectMin: 500, reconnectMax: 15_000 }),
    deviceHealth: z
      .object({
        interval: durationMs().default(60_000).describe('how often each device\'s health (state, reads, errors by kind) is reported to the hub, e.g. 1m'),
      })
      .strict()
      .default({ interval: 60_000 }),
    profiles: z.array(z.string()).default([]).describe('extra folders of device profiles, searched before the bundled ones'),
    devices: z.array(z.discriminatedUnion('protocol', deviceSchemas)).default([]),
  })
  .strict();

export type AgentConfigDocument = z.output<typeof agentConfigSchema>;
