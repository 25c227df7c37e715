/**
 * hub.yaml: the hub's settings as a file, with the same keys as the flags (--retention-days is
 * retentionDays). Every key is optional; a flag or an environment variable given as well wins.
 */
import { YamlFile } from '@davy/runtime';
import { z } from 'zod';

export const hubConfigSchema = z
  .object({
    data: z.string().min(1).optional().describe('the folder of the SQLite store and of the generated token file, relative to this file'),
    http: z.string().min(1).optional().describe('where the REST API listens, host:port (e.g. 127.0.0.1:8080)'),
    grpc: z.string().min(1).optional().describe('where gateways connect (gRPC ingest), host:port (e.g. 127.0.0.1:9090)'),
    store: z.string().min(1).optional().describe('sqlite:PATH (relative to this file), postgres://USER@HOST:PORT/DATABASE or questdb://HOST[:PG_PORT][?http=HTTP_PORT]'),
    retentionDays: z.number().int().min(1).optional().describe('PostgreSQL and QuestDB: days of raw samples kept; leave it out to keep everything'),
    auditRetentionDays: z.number().int().min(1).optional().describe('days the audit log is kept, 180 or more (the default: the least the Cybersecurity Law asks for)'),
    sqliteSync: z.enum(['full', 'normal']).optional().describe('full: acked batches survive a power cut; normal: faster'),
    allowRemoteIngest: z.boolean().optional().describe('let gRPC ingest listen beyond loopback, although gateways do not authenticate yet'),
    allowPrivateWebhooks: z.boolean().optional().describe("let alarm webhooks go to loopback, private and link-local addresses (receivers inside the hub's network)"),
    transport: z.string().min(1).optional().describe('how gateways send batches: grpc, nats, or grpc,nats'),
    nats: z.string().min(1).optional().describe('the NATS server(s) with JetStream, comma-separated nats://host:port'),
  })
  .strict();

export type HubConfigDocument = z.output<typeof hubConfigSchema>;

export interface HubConfigFile {
  yaml: YamlFile;
  document: HubConfigDocument;
}

export function readHubConfigFile(file: string): HubConfigFile {
  const yaml = YamlFile.read(file, 'hub config');
  return { yaml, document: yaml.validate(hubConfigSchema, 'hub config') };
}
