/** A device profile file: one schema per protocol, told apart by `protocol`. */
import { z } from 'zod';
import { modbusProfileSchema } from '../drivers/modbus/profile-schema.js';
import { opcuaProfileSchema } from '../drivers/opcua/profile-schema.js';

export const profileSchema = z.discriminatedUnion('protocol', [modbusProfileSchema, opcuaProfileSchema]);
export type ProfileDocument = z.output<typeof profileSchema>;
