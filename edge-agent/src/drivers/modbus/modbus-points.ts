/**
 * What every polled Modbus device has, whatever carries its frames (TCP, RTU over TCP, a serial
 * line): its profile's points resolved with their layout and interval, and the limits of one
 * request. The transports add where the device is.
 */
import type { DeviceSpec, PointSpec } from '../../config/device-spec.js';
import type { ReportByException } from '../../pipeline/report-by-exception.js';
import { pointSpecOf, type DeviceProfile } from '../../profiles/index.js';
import type { DeviceProblem } from '../driver-entry.js';
import type { RegisterLayout } from './codec.js';
import { isBitTable, registerCount, type ModbusTable } from './data-types.js';
import type { ModbusProfileDocument } from './profile-schema.js';
import type { PlanLimits } from './register-plan.js';

export const defaultPollIntervalMs = 1000;

export interface ModbusPoint extends PointSpec, RegisterLayout {
  table: ModbusTable;
  address: number;
  /** Registers (or bits) the point occupies. */
  count: number;
  /** The point holding this one's power-of-ten scale factor (SunSpec sunssf), read in the same poll. */
  scaleFactor?: string;
}

export interface ModbusPolledDevice extends DeviceSpec {
  unitId: number;
  timeoutMs: number;
  offlineAfterFailures: number;
  limits: PlanLimits;
  points: ModbusPoint[];
}

/** The settings of a Modbus device entry in agent.yaml that shape how its points are polled. */
export interface ModbusPollSettings {
  pollInterval?: number;
  reportByException?: ReportByException;
  maxGap: number;
  maxRegistersPerRead: number;
  maxBitsPerRead: number;
}

export function resolveModbusPoints(device: ModbusPollSettings, profile: DeviceProfile): ModbusPoint[] {
  const document = profile.document as ModbusProfileDocument;
  return document.points.map((point): ModbusPoint => ({
    ...pointSpecOf(point, point.pollInterval ?? device.pollInterval ?? document.defaults?.pollInterval ?? defaultPollIntervalMs, device.reportByException),
    table: point.table,
    address: point.address,
    type: point.type,
    order: point.order ?? document.defaults?.order ?? 'ABCD',
    bit: point.bit,
    length: point.length,
    count: isBitTable(point.table) ? 1 : registerCount(point.type, point.length),
    scaleFactor: point.scaleFactor,
  }));
}

export function planLimitsOf(device: ModbusPollSettings): PlanLimits {
  return { maxRegisters: device.maxRegistersPerRead, maxBits: device.maxBitsPerRead, maxGap: device.maxGap };
}

/** A point larger than the device lets one request read cannot be read at all. */
export function checkReadLimits(device: ModbusPolledDevice): DeviceProblem[] {
  return device.points.flatMap((point) => {
    const bits = isBitTable(point.table);
    const limit = bits ? device.limits.maxBits : device.limits.maxRegisters;
    if (point.count <= limit) return [];
    const setting = bits ? 'maxBitsPerRead' : 'maxRegistersPerRead';
    return [
      {
        path: [setting],
        message: `point ${point.name} of profile ${device.profile} spans ${point.count} registers, more than ${setting} (${limit}) lets one request read`,
        fix: `raise ${setting} to at least ${point.count}`,
      },
    ];
  });
}
