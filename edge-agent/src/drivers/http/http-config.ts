/** A device with a JSON endpoint that the agent polls over HTTP(S), in agent.yaml. */
import { z } from 'zod';
import { durationMs } from '@davy/runtime';
import { commonDeviceFields } from '../../config/device-common.js';
import { envVarName } from '../json-mapping/secret-source.js';

const authSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('basic'),
      username: z.string().min(1).describe('the user name for HTTP basic authentication'),
      passwordEnv: envVarName.describe('the environment variable holding the password'),
    })
    .strict(),
  z
    .object({
      type: z.literal('bearer'),
      tokenEnv: envVarName.describe('the environment variable holding the token sent as Authorization: Bearer …'),
    })
    .strict(),
]);

export const httpDeviceSchema = z
  .object({
    ...commonDeviceFields,
    protocol: z.literal('http'),
    url: z.string().min(1).describe('the JSON endpoint, e.g. http://192.168.1.30/api/status'),
    method: z.enum(['GET', 'POST']).default('GET').describe('GET, or POST for endpoints that want a request body'),
    headers: z.record(z.string(), z.string()).default({}).describe('extra request headers with fixed values (no secrets: use headersFromEnv)'),
    headersFromEnv: z.record(z.string(), envVarName).default({}).describe('request headers whose value comes from an environment variable, e.g. { X-Api-Key: METER_API_KEY }'),
    body: z.string().optional().describe('the request body of a POST, sent as is'),
    auth: authSchema.optional().describe('basic (username + passwordEnv) or bearer (tokenEnv)'),
    tls: z
      .object({
        ca: z.string().min(1).describe('the CA certificate (PEM) that signs the device\'s certificate, relative to agent.yaml\'s folder or absolute; for a device with a private CA or a self-signed certificate'),
      })
      .strict()
      .optional()
      .describe('with an https:// url: how the device\'s certificate is checked (default: Node\'s CA store)'),
    pollInterval: durationMs().default(10_000).describe('how often to fetch the endpoint, e.g. 10s'),
    timeout: durationMs().default(5_000).describe('how long one request may take, answer included, e.g. 5s'),
    offlineAfterFailures: z.number().int().min(1).default(3).describe('failed requests in a row before the device counts as offline'),
  })
  .strict();

export type HttpDeviceDocument = z.output<typeof httpDeviceSchema>;
export type HttpAuth = z.output<typeof authSchema>;
