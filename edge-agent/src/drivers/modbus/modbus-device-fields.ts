/** The agent.yaml settings every Modbus device entry has, whatever carries its frames. */
import { z } from 'zod';
import { durationMs } from '@davy/runtime';

export const modbusPollFields = {
  pollInterval: durationMs().optional().describe('how often to read points that name no interval of their own, e.g. 1s'),
  timeout: durationMs().default(1000).describe('how long to wait for one reply, e.g. 1s'),
  maxGap: z.number().int().min(0).max(124).default(10).describe('unused registers one read may span between two points'),
  maxRegistersPerRead: z.number().int().min(1).max(125).default(125).describe('registers per request; lower it for devices that cannot answer 125'),
  maxBitsPerRead: z.number().int().min(1).max(2000).default(2000).describe('coils or discrete inputs per request'),
  offlineAfterFailures: z.number().int().min(1).default(3).describe('consecutive failed polls before the device counts as offline and the connection is rebuilt'),
};
