/** A device profile file: one schema per protocol, told apart by `protocol`. */
import { z } from 'zod';
import { jsonProfileSchema } from '../drivers/json-mapping/json-profile-schema.js';
import { modbusProfileSchema } from '../drivers/modbus/profile-schema.js';
import { opcuaProfileSchema } from '../drivers/opcua/profile-schema.js';
import { sparkplugProfileSchema } from '../drivers/mqtt/sparkplug/profile-schema.js';

export const profileSchema = z.discriminatedUnion('protocol', [modbusProfileSchema, opcuaProfileSchema, jsonProfileSchema, sparkplugProfileSchema]);
export type ProfileDocument = z.output<typeof profileSchema>;
