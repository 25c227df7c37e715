/** The OPC UA part of a device profile: where each point lives in the server's address space. */
import { z } from 'zod';
import { durationMs } from '@davy/runtime';
import { commonPointFields } from '../../profiles/point-schema.js';
import { parseBrowsePath, parseNodeId } from './node-address.js';

/** The scalar built-in types a point may hold (what `device discover` writes and davy-sim serves). */
export const opcuaDataTypes = ['Boolean', 'SByte', 'Byte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64', 'Float', 'Double', 'String', 'DateTime'] as const;
export type OpcuaDataType = (typeof opcuaDataTypes)[number];

export const deadbandSchema = z
  .object({
    type: z.enum(['absolute', 'percent']).describe('absolute: in the value\'s raw unit; percent: of the node\'s EURange (the server must know it)'),
    value: z.number().min(0).describe('how far a value must move before the server reports it'),
  })
  .strict()
  .superRefine((deadband, context) => {
    if (deadband.type === 'percent' && deadband.value > 100) {
      context.addIssue({ code: 'custom', path: ['value'], message: `a percent deadband of ${deadband.value} is over 100`, params: { fix: 'use 0-100 (percent of the EURange)' } });
    }
  })
  .describe('the OPC UA DataChangeFilter deadband the server applies before it reports a change');

export type Deadband = z.output<typeof deadbandSchema>;

export const opcuaPointSchema = z
  .object({
    ...commonPointFields,
    nodeId: z.string().min(1).optional().describe('the node: nsu=<namespace uri>;s=<name> (survives a server restart), ns=<index>;s=<name>, or i=<number>'),
    browsePath: z.string().min(1).optional().describe('or the path of browse names from the Objects folder, e.g. Fan1/Motor/Current (resolved at every connect)'),
    dataType: z.enum(opcuaDataTypes).optional().describe('the node\'s data type (what davy-sim serves; the agent takes whatever the server sends)'),
    range: z
      .object({ low: z.number(), high: z.number() })
      .strict()
      .optional()
      .describe('the EURange davy-sim serves with the point (a percent deadband needs one)'),
    deadband: deadbandSchema.optional(),
  })
  .strict();

export const opcuaProfileSchema = z
  .object({
    protocol: z.literal('opcua'),
    model: z.string().describe('the device model this profile maps'),
    manufacturer: z.string().optional(),
    description: z.string().optional(),
    namespace: z.string().min(1).optional().describe('the namespace URI of the browse names in browse paths (and the one davy-sim serves)'),
    defaults: z
      .object({
        pollInterval: durationMs().optional().describe('sampling (or poll) interval for points that do not name one'),
      })
      .strict()
      .optional(),
    points: z.array(opcuaPointSchema).min(1),
  })
  .strict()
  .superRefine((profile, context) => {
    profile.points.forEach((point, index) => {
      const problem = (path: string, message: string, fix: string) => context.addIssue({ code: 'custom', path: ['points', index, path], message, params: { fix } });
      if ((point.nodeId === undefined) === (point.browsePath === undefined)) {
        problem('nodeId', `point ${point.name} needs exactly one of nodeId and browsePath`, 'give the node id (nsu=<uri>;s=<name>) or the browse path, not both');
        return;
      }
      if (point.nodeId !== undefined) {
        const parsed = parseNodeId(point.nodeId);
        if ('error' in parsed) problem('nodeId', parsed.error, 'copy the node id from the server (davy-agent device discover writes them)');
      } else {
        const parsed = parseBrowsePath(point.browsePath!, profile.namespace);
        if ('error' in parsed) problem('browsePath', parsed.error, 'add namespace: <uri> to the profile, or prefix the name with its namespace index (0:Server)');
      }
      if (point.range && point.range.low >= point.range.high) problem('range', `range low ${point.range.low} is not below high ${point.range.high}`, 'make high greater than low');
      if ((point.dataType === 'Boolean' || point.dataType === 'String' || point.dataType === 'DateTime') && (point.scale !== 1 || point.offset !== 0)) {
        problem('scale', `a ${point.dataType} point cannot be scaled`, 'remove scale and offset');
      }
    });
  });

export type OpcuaProfileDocument = z.output<typeof opcuaProfileSchema>;
export type OpcuaPointDocument = z.output<typeof opcuaPointSchema>;
