/** A Modbus TCP device in agent.yaml. */
import { z } from 'zod';
import { durationMs } from '@davy/runtime';
import { commonDeviceFields } from '../../config/device-common.js';

export const modbusTcpDeviceSchema = z
  .object({
    ...commonDeviceFields,
    protocol: z.literal('modbus-tcp'),
    host: z.string().min(1).describe('the device\'s (or its serial gateway\'s) IP address or host name'),
    port: z.number().int().min(1).max(65535).default(502).describe('the Modbus TCP port, usually 502'),
    unitId: z.number().int().min(0).max(255).default(1).describe('the Modbus unit (slave) id, 1-247; 255 or 0 for some TCP-native devices'),
    pollInterval: durationMs().optional().describe('how often to read points that name no interval of their own, e.g. 1s'),
    timeout: durationMs().default(1000).describe('how long to wait for one reply, e.g. 1s'),
    maxGap: z.number().int().min(0).max(124).default(10).describe('unused registers one read may span between two points'),
    maxRegistersPerRead: z.number().int().min(1).max(125).default(125).describe('registers per request; lower it for devices that cannot answer 125'),
    maxBitsPerRead: z.number().int().min(1).max(2000).default(2000).describe('coils or discrete inputs per request'),
    offlineAfterFailures: z.number().int().min(1).default(3).describe('consecutive failed polls before the device counts as offline and the connection is rebuilt'),
  })
  .strict();

export type ModbusTcpDeviceDocument = z.output<typeof modbusTcpDeviceSchema>;
