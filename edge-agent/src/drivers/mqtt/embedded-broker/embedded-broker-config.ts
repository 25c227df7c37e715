/**
 * The `embedded:` block of an MQTT or Sparkplug device in agent.yaml: the broker inside the
 * agent that devices push to. Entries that name the same `listen` address share one broker;
 * each brings its own users. Files are relative to agent.yaml's folder, or absolute.
 */
import { z } from 'zod';
import { envVarName } from '../../json-mapping/secret-source.js';

export const embeddedUserSchema = z
  .object({
    username: z.string().min(1).describe('the name the device logs in with'),
    passwordEnv: envVarName.optional().describe('the environment variable that holds the device\'s password'),
    passwordFile: z.string().min(1).optional().describe('a file that holds the device\'s password (one line), relative to agent.yaml\'s folder or absolute'),
    device: z.string().min(1).optional().describe('the only device this user may publish as: the {device} level of the topics it publishes must be this name'),
  })
  .strict();

export const embeddedBrokerSchema = z
  .object({
    listen: z.string().default('127.0.0.1:1883').describe('host:port the broker listens on; loopback unless devices on the network push to it'),
    tls: z
      .object({
        cert: z.string().min(1).describe('the broker\'s certificate (PEM), relative to agent.yaml\'s folder or absolute'),
        key: z.string().min(1).describe('the broker\'s private key (PEM)'),
        ca: z.string().min(1).optional().describe('the CA (PEM) that signs device certificates; when given, every device must present one'),
      })
      .strict()
      .optional(),
    allowPlainText: z
      .boolean()
      .default(false)
      .describe('listen beyond loopback without TLS, so devices\' passwords cross the network in clear: only on a network you trust (a closed field LAN)'),
    users: z.array(embeddedUserSchema).min(1).describe('the devices allowed to connect, each with its own password'),
  })
  .strict();

export type EmbeddedBrokerDocument = z.output<typeof embeddedBrokerSchema>;
export type EmbeddedUserDocument = z.output<typeof embeddedUserSchema>;
