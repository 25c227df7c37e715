/** What every device entry of agent.yaml has, whatever its protocol. */
import { z } from 'zod';
import { reportByExceptionSchema } from '../pipeline/report-by-exception.js';
import { deviceNamePattern } from './names.js';

export const commonDeviceFields = {
  name: z.string().regex(deviceNamePattern, { error: 'a device name may hold letters, digits, "_", "." and "-"' }).describe('the device\'s name, unique on this gateway; series keys contain it'),
  profile: z.string().min(1).describe('a profile name from device-profiles/ (e.g. three-phase-meter) or a path to a profile file'),
  reportByException: reportByExceptionSchema.optional(),
};
