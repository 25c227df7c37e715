/** The Modbus part of a device profile: where each point lives and how it is encoded. */
import { z } from 'zod';
import { durationMs } from '@davy/runtime';
import { commonPointFields, pointNamePattern } from '../../profiles/point-schema.js';
import { byteOrders, isBitTable, modbusDataTypes, modbusTables, registerCount, type ByteOrder, type ModbusDataType } from './data-types.js';

const sixtyFourBit = new Set<ModbusDataType>(['int64', 'uint64', 'float64']);
const sixteenBit = new Set<ModbusDataType>(['bool', 'int16', 'uint16', 'string']);
const numericOnly = new Set<ModbusDataType>(['bool', 'string']);

export const modbusPointSchema = z
  .object({
    ...commonPointFields,
    table: z.enum(modbusTables).describe('coil, discrete (discrete input), input (input register) or holding (holding register)'),
    address: z.number().int().min(0).max(65535).describe('the 0-based protocol address (register 40001 in a manual is holding address 0)'),
    type: z.enum(modbusDataTypes).describe('bool, int16, uint16, int32, uint32, int64, uint64, float32, float64 or string'),
    order: z.enum(byteOrders).optional().describe('byte order on the wire: ABCD (big-endian), CDAB (word-swapped), BADC (byte-swapped), DCBA (little-endian), or the 64-bit forms'),
    bit: z.number().int().min(0).max(15).optional().describe('for a bool read from a register: the bit, 0 = least significant'),
    length: z.number().int().min(1).max(125).optional().describe('for a string: how many registers (two characters each)'),
    scaleFactor: z
      .string()
      .regex(pointNamePattern)
      .optional()
      .describe('the name of the int16 point holding this point\'s power-of-ten scale factor (SunSpec sunssf): value = raw × 10^factor, then scale and offset'),
  })
  .strict()
  .superRefine((point, context) => {
    const problem = (path: string, message: string, fix: string) => context.addIssue({ code: 'custom', path: [path], message, params: { fix } });
    if (isBitTable(point.table) && point.type !== 'bool') {
      problem('type', `a ${point.table} holds single bits, so its type must be bool, not ${point.type}`, 'set type: bool, or move the point to the input or holding table');
    }
    if (point.type === 'string' && point.length === undefined) {
      problem('length', 'a string point needs its length in registers', 'add length: N (two characters per register)');
    }
    if (point.type !== 'string' && point.length !== undefined) {
      problem('length', `length applies to strings only, not ${point.type}`, 'remove length');
    }
    if (point.bit !== undefined && (point.type !== 'bool' || isBitTable(point.table))) {
      problem('bit', 'bit applies to a bool read from an input or holding register', 'remove bit');
    }
    if (point.order !== undefined) checkOrder(point.type, point.order, problem);
    const count = isBitTable(point.table) ? 1 : registerCount(point.type, point.length);
    if (point.address <= 65535 && point.address + count > 65536) {
      problem('address', `a ${point.type} at ${point.address} runs past the last address, 65535`, 'correct the address (0-based: register 40001 is holding address 0)');
    }
    if (numericOnly.has(point.type) && (point.scale !== 1 || point.offset !== 0)) {
      problem('scale', `a ${point.type} point cannot be scaled`, 'remove scale and offset');
    }
    if (numericOnly.has(point.type) && point.scaleFactor !== undefined) {
      problem('scaleFactor', `a ${point.type} point cannot have a scale factor`, 'remove scaleFactor');
    }
  });

function checkOrder(type: ModbusDataType, order: ByteOrder, problem: (path: string, message: string, fix: string) => void): void {
  if (order.length === 8 && !sixtyFourBit.has(type)) {
    problem('order', `${order} is a 64-bit order, but ${type} is ${registerCount(type) * 16}-bit`, 'use ABCD, BADC, CDAB or DCBA');
  }
  if (order.length === 2 && !sixteenBit.has(type)) {
    problem('order', `${order} is a 16-bit order, but ${type} spans ${registerCount(type)} registers`, 'use ABCD, BADC, CDAB or DCBA');
  }
}

export const modbusProfileSchema = z
  .object({
    protocol: z.literal('modbus'),
    model: z.string().describe('the device model this profile maps'),
    manufacturer: z.string().optional(),
    description: z.string().optional(),
    defaults: z
      .object({
        order: z.enum(byteOrders).optional().describe('byte order for points that do not name one'),
        pollInterval: durationMs().optional().describe('read interval for points that do not name one'),
      })
      .strict()
      .optional(),
    points: z.array(modbusPointSchema).min(1),
  })
  .strict()
  .superRefine((profile, context) => {
    for (const [index, point] of profile.points.entries()) {
      const problem = scaleFactorProblem(point, profile.points, profile.defaults?.pollInterval);
      if (problem) context.addIssue({ code: 'custom', path: ['points', index, 'scaleFactor'], message: problem.message, params: { fix: problem.fix } });
    }
  });

/**
 * A scale factor must be a plain int16 register point of the same profile, read in the same
 * poll as the points it scales (a factor from another poll could belong to another reading).
 */
function scaleFactorProblem(
  point: z.output<typeof modbusPointSchema>,
  points: ReadonlyArray<z.output<typeof modbusPointSchema>>,
  defaultInterval: number | undefined,
): { message: string; fix: string } | undefined {
  if (point.scaleFactor === undefined) return undefined;
  const factor = points.find((candidate) => candidate.name === point.scaleFactor);
  if (!factor) return { message: `no point "${point.scaleFactor}" in this profile`, fix: `name the int16 point that holds ${point.name}'s scale factor` };
  if (factor.type !== 'int16' || isBitTable(factor.table) || factor.scaleFactor !== undefined || factor.scale !== 1 || factor.offset !== 0) {
    return {
      message: `${factor.name} cannot be a scale factor: it must be an unscaled int16 register point (SunSpec sunssf)`,
      fix: `make ${factor.name} an int16 in an input or holding register, without scale, offset or scaleFactor`,
    };
  }
  const interval = (candidate: typeof point) => candidate.pollInterval ?? defaultInterval;
  if (interval(point) !== interval(factor)) {
    return { message: `${point.name} and its scale factor ${factor.name} are polled at different intervals`, fix: `give ${factor.name} the pollInterval of ${point.name}` };
  }
  return undefined;
}

export type ModbusProfileDocument = z.output<typeof modbusProfileSchema>;
export type ModbusPointDocument = z.output<typeof modbusPointSchema>;
