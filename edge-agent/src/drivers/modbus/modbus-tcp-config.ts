/** A Modbus TCP device in agent.yaml. */
import { z } from 'zod';
import { commonDeviceFields } from '../../config/device-common.js';
import { modbusPollFields } from './modbus-device-fields.js';

export const modbusTcpDeviceSchema = z
  .object({
    ...commonDeviceFields,
    protocol: z.literal('modbus-tcp'),
    host: z.string().min(1).describe('the device\'s (or its serial gateway\'s) IP address or host name'),
    port: z.number().int().min(1).max(65535).default(502).describe('the Modbus TCP port, usually 502'),
    unitId: z.number().int().min(0).max(255).default(1).describe('the Modbus unit (slave) id, 1-247; 255 or 0 for some TCP-native devices'),
    ...modbusPollFields,
  })
  .strict();

export type ModbusTcpDeviceDocument = z.output<typeof modbusTcpDeviceSchema>;
