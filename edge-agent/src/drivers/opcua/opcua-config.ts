/** An OPC UA device in agent.yaml: where the server is, how the agent proves who it is, how it reads. */
import { z } from 'zod';
import { durationMs } from '@davy/runtime';
import { commonDeviceFields } from '../../config/device-common.js';
import { deadbandSchema } from './profile-schema.js';

export const securityModes = ['None', 'Sign', 'SignAndEncrypt'] as const;
export const securityPolicies = ['None', 'Basic256Sha256'] as const;
export type SecurityModeName = (typeof securityModes)[number];
export type SecurityPolicyName = (typeof securityPolicies)[number];

const authSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('anonymous') }).strict(),
    z
      .object({
        type: z.literal('user'),
        username: z.string().min(1).describe('the OPC UA user name'),
        passwordEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name holds letters, digits and "_"' })
          .describe('the environment variable that holds the password, e.g. DAVY_OPCUA_PASSWORD (never the password itself)'),
        allowPlainTextPassword: z
          .boolean()
          .default(false)
          .describe('true: log in with securityMode None although the password may then cross the line unencrypted (only on a line no one else can read)'),
      })
      .strict(),
    z
      .object({
        type: z.literal('certificate'),
        certificate: z.string().min(1).describe('the user\'s X.509 certificate (PEM or DER file), relative to this config file'),
        privateKey: z.string().min(1).describe('its private key (PEM file), relative to this config file'),
      })
      .strict(),
  ])
  .describe('how the agent logs in: anonymous, user (username + passwordEnv) or certificate');

export const opcuaDeviceSchema = z
  .object({
    ...commonDeviceFields,
    protocol: z.literal('opcua'),
    endpoint: z
      .string()
      .superRefine((endpoint, context) => {
        // node-opcua's transport hands the host of opc.tcp://[::1]:4840 to the name lookup with its brackets, which finds nothing.
        if (/^opc\.tcp:\/\/\[/.test(endpoint)) {
          context.addIssue({ code: 'custom', message: 'an IPv6 address in brackets cannot be reached through node-opcua\'s transport', params: { fix: 'use a host name that resolves to the address (e.g. a line in /etc/hosts)' } });
        } else if (!/^opc\.tcp:\/\/[^\s/:]+(:\d{1,5})?(\/\S*)?$/.test(endpoint)) {
          context.addIssue({ code: 'custom', message: 'an OPC UA endpoint is opc.tcp://host:port[/path]', params: { fix: 'write it like opc.tcp://10.0.0.7:4840' } });
        }
      })
      .describe('the server\'s endpoint URL, e.g. opc.tcp://10.0.0.7:4840'),
    securityMode: z.enum(securityModes).default('None').describe('None, Sign or SignAndEncrypt'),
    securityPolicy: z.enum(securityPolicies).optional().describe('None or Basic256Sha256 (the default for Sign and SignAndEncrypt)'),
    trustServerCertificate: z
      .string()
      .min(1)
      .optional()
      .describe('auto: trust the server\'s certificate the first time it is seen (stored in pki/trusted); or a certificate file to trust'),
    auth: authSchema.default({ type: 'anonymous' }),
    pki: z.string().min(1).optional().describe('the agent\'s certificate folder (own, trusted, rejected); default: pki next to the outbox file'),
    mode: z.enum(['subscribe', 'poll']).default('subscribe').describe('subscribe (falls back to poll when the server has no subscriptions) or poll'),
    samplingInterval: durationMs().optional().describe('how often the server samples (or the agent polls) points that name no interval, e.g. 1s'),
    publishingInterval: durationMs().default(1000).describe('how often the server sends the changes it collected, e.g. 1s'),
    queueSize: z.number().int().min(1).max(100_000).optional().describe('samples the server keeps per item between publishes; default: enough for one publishing interval'),
    deadband: deadbandSchema.optional(),
    timeout: durationMs().default(5000).describe('how long to wait for one reply, e.g. 5s'),
    connectTimeout: durationMs().default(10_000).describe('how long a connect may take, e.g. 10s'),
    sessionTimeout: durationMs().default(60_000).describe('how long the server keeps the session of an agent it lost, e.g. 60s'),
    keepAlive: durationMs().default(5000).describe('how often a quiet session is checked; a server that stops answering is offline after this plus timeout'),
    reconnectMax: durationMs().default(30_000).describe('the longest wait between reconnect attempts'),
  })
  .strict();

export type OpcuaDeviceDocument = z.output<typeof opcuaDeviceSchema>;
