/** The Modbus part of a device profile: where each point lives and how it is encoded. */
import { z } from 'zod';
import { closestName, durationMs } from '@davy/runtime';
import { commonPointFields, pointNamePattern } from '../../profiles/point-schema.js';
import { byteOrders, isBitTable, modbusDataTypes, modbusTables, registerCount, type ByteOrder, type ModbusDataType } from './data-types.js';
import { patternTypes } from './not-implemented.js';

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
    notImplemented: z
      .number()
      .int()
      .min(0)
      .max(0xffffffff)
      .optional()
      .describe('the register pattern the device sends when it does not have this value, e.g. 0xFFFF (for a bool: its whole register); implied for SunSpec points (those with a scaleFactor, and the factors): int16 0x8000, uint16 0xFFFF, int32 0x80000000, uint32 (acc32) 0'),
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
    if (point.notImplemented !== undefined) checkPattern(point.type, point.table, point.notImplemented, problem);
  });

function checkPattern(type: ModbusDataType, table: (typeof modbusTables)[number], pattern: number, problem: (path: string, message: string, fix: string) => void): void {
  if (!patternTypes.has(type) || isBitTable(table)) {
    const what = isBitTable(table) ? `a ${table}` : `a ${type}`;
    problem('notImplemented', `notImplemented applies to bool, int16, uint16, int32 and uint32 points in input or holding registers, not ${what}`, 'remove notImplemented');
  } else if (registerCount(type) === 1 && pattern > 0xffff) {
    problem('notImplemented', `0x${pattern.toString(16).toUpperCase()} does not fit the 16 bits of a ${type}`, 'give the register\'s pattern, at most 0xFFFF');
  }
}

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
    expect: z
      .array(
        z
          .object({
            point: z.string().describe('a point of this profile that identifies the device\'s map'),
            equals: z.union([z.number(), z.string()]).describe('the value it must hold as read (before scale), e.g. 103 for a SunSpec model id'),
          })
          .strict(),
      )
      .optional()
      .describe('values that identify the register map (a model id, a map length): read with every poll; a mismatch makes all the device\'s readings bad'),
  })
  .strict()
  .superRefine((profile, context) => {
    for (const [index, point] of profile.points.entries()) {
      const problem = scaleFactorProblem(point, profile.points, profile.defaults?.pollInterval);
      if (problem) context.addIssue({ code: 'custom', path: ['points', index, 'scaleFactor'], message: problem.message, params: { fix: problem.fix } });
    }
    for (const [index, expectation] of (profile.expect ?? []).entries()) {
      const problem = expectationProblem(expectation, profile.points);
      if (problem) context.addIssue({ code: 'custom', path: ['expect', index, problem.path], message: problem.message, params: { fix: problem.fix } });
    }
  });

/** An expected value is compared with the point as read: a point of the profile, unscaled, of the value's kind. */
function expectationProblem(
  expectation: { point: string; equals: number | string },
  points: ReadonlyArray<z.output<typeof modbusPointSchema>>,
): { path: string; message: string; fix: string } | undefined {
  const point = points.find((candidate) => candidate.name === expectation.point);
  if (!point) {
    const likely = closestName(expectation.point, points.map((candidate) => candidate.name));
    return { path: 'point', message: `no point "${expectation.point}" in this profile`, fix: likely ? `did you mean ${likely}?` : 'name a point of this profile, e.g. the model id register' };
  }
  if (point.scale !== 1 || point.offset !== 0 || point.scaleFactor !== undefined) {
    return { path: 'point', message: `${point.name} is scaled: its expected value would be ambiguous`, fix: `expect an unscaled point, or add one for the same register without scale, offset or scaleFactor` };
  }
  if ((point.type === 'string') !== (typeof expectation.equals === 'string')) {
    return { path: 'equals', message: `${point.name} is a ${point.type}, so it cannot equal ${JSON.stringify(expectation.equals)}`, fix: point.type === 'string' ? 'give the text it must hold, quoted' : 'give the number it must hold' };
  }
  return undefined;
}

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
