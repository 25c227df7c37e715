/** A Sparkplug B edge node, or devices behind it, in agent.yaml. */
import { z } from 'zod';
import { commonDeviceFields } from '../../../config/device-common.js';
import { mqttConnectionFields } from '../connection-config.js';
import { sparkplugIdPattern } from './sparkplug-topic.js';

const sparkplugId = (what: string) => z.string().regex(sparkplugIdPattern, { error: 'a Sparkplug id cannot hold "/", "+" or "#"' }).describe(what);

export const sparkplugDeviceSchema = z
  .object({
    ...commonDeviceFields,
    protocol: z.literal('sparkplug'),
    ...mqttConnectionFields,
    groupId: sparkplugId('the Sparkplug group id of the edge node, e.g. site-a'),
    edgeNode: sparkplugId('the edge node id, e.g. charger-gateway-1'),
    devices: z
      .union([z.literal('*'), z.array(sparkplugId('a Sparkplug device id')).min(1)])
      .optional()
      .describe('read the edge node\'s devices — every one (*) or those listed — each as its own device named by its id; without it, the edge node\'s own metrics are this device\'s'),
    maxDevices: z.number().int().min(1).default(1000).describe('how many devices devices: * may bring in; more are counted and skipped'),
  })
  .strict();

export type SparkplugDeviceDocument = z.output<typeof sparkplugDeviceSchema>;
