/** A device (or a family of devices) that publishes JSON over MQTT, in agent.yaml. */
import { z } from 'zod';
import { durationMs } from '@davy/runtime';
import { commonDeviceFields } from '../../config/device-common.js';
import { messageNamePattern } from '../json-mapping/json-profile-schema.js';
import { mqttConnectionFields } from './connection-config.js';

export const mqttDeviceSchema = z
  .object({
    ...commonDeviceFields,
    protocol: z.literal('mqtt'),
    ...mqttConnectionFields,
    topic: z.string().optional().describe('the topic the device publishes on; a {device} level names the device, e.g. chargers/{device}/status'),
    topics: z
      .record(z.string().regex(messageNamePattern), z.string())
      .optional()
      .describe('for a profile whose points name messages: the topic of each message, e.g. { status: chargers/{device}/status, energy: chargers/{device}/energy }'),
    maxDevices: z.number().int().min(1).default(1000).describe('how many devices a {device} topic may bring in; more are counted and skipped'),
    staleAfter: durationMs()
      .optional()
      .describe('a device that sends nothing for this long goes offline (its next message brings it back), e.g. 5m: longer than the device\'s longest quiet time'),
  })
  .strict();

export type MqttDeviceDocument = z.output<typeof mqttDeviceSchema>;
