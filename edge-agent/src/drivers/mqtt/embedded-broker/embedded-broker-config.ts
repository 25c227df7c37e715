/**
 * The `embedded:` block of an MQTT or Sparkplug device in agent.yaml: the broker inside the
 * agent that devices push to. Entries that name the same `listen` address share one broker;
 * each brings its own users.
 */
import { z } from 'zod';
import { envVarName } from '../../json-mapping/secret-source.js';

export const embeddedUserSchema = z
  .object({
    username: z.string().min(1).describe('the name the device logs in with'),
    passwordEnv: envVarName.optional().describe('the environment variable that holds the device\'s password'),
    passwordFile: z.string().min(1).optional().describe('an absolute path to a file that holds the device\'s password (one line)'),
    device: z.string().min(1).optional().describe('the only device this user may publish as: the {device} level of the topics it publishes must be this name'),
  })
  .strict();

export const embeddedBrokerSchema = z
  .object({
    listen: z.string().default('127.0.0.1:1883').describe('host:port the broker listens on; loopback unless devices on the network push to it'),
    tls: z
      .object({
        cert: z.string().min(1).describe('an absolute path to the broker\'s certificate (PEM)'),
        key: z.string().min(1).describe('an absolute path to the broker\'s private key (PEM)'),
        ca: z.string().min(1).optional().describe('an absolute path to the CA (PEM) that signs device certificates; when given, every device must present one'),
      })
      .strict()
      .optional(),
    users: z.array(embeddedUserSchema).min(1).describe('the devices allowed to connect, each with its own password'),
  })
  .strict();

export type EmbeddedBrokerDocument = z.output<typeof embeddedBrokerSchema>;
export type EmbeddedUserDocument = z.output<typeof embeddedUserSchema>;
