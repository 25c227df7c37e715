/**
 * What every polled Modbus device has, whatever carries its frames (TCP, RTU over TCP, a serial
 * line): its profile's points resolved with their layout and interval, and the limits of one
 * request. The transports add where the device is.
 */
import { formatDurationMs } from '@davy/runtime';
import type { DeviceSpec, PointSpec } from '../../config/device-spec.js';
import type { ReportByException } from '../../pipeline/report-by-exception.js';
import { pointSpecOf, type DeviceProfile } from '../../profiles/index.js';
import type { DeviceProblem } from '../driver-entry.js';
import type { RegisterLayout } from './codec.js';
import { isBitTable, registerCount, type ModbusTable } from './data-types.js';
import { notImplementedPattern } from './not-implemented.js';
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
  /** The register pattern that means "the device does not have this value" (see not-implemented.ts). */
  notImplemented?: number;
}

/** A value that identifies the device's register map, checked with every poll (the profile's `expect`). */
export interface MapExpectation {
  point: string;
  equals: number | string;
}

export interface ModbusPolledDevice extends DeviceSpec {
  unitId: number;
  timeoutMs: number;
  offlineAfterFailures: number;
  limits: PlanLimits;
  points: ModbusPoint[];
  expectations: MapExpectation[];
  /** The device's own pollInterval, when agent.yaml gives one. */
  pollIntervalMs?: number;
}

/** The settings of a Modbus device entry in agent.yaml that shape how its points are polled. */
export interface ModbusPollSettings {
  pollInterval?: number;
  reportByException?: ReportByException;
  maxGap: number;
  maxRegistersPerRead: number;
  maxBitsPerRead: number;
}

/** What every Modbus device takes from its entry and profile, whatever carries its frames. */
export function resolveModbusPolling(device: ModbusPollSettings, profile: DeviceProfile): Pick<ModbusPolledDevice, 'limits' | 'points' | 'expectations' | 'pollIntervalMs'> {
  const document = profile.document as ModbusProfileDocument;
  return {
    limits: planLimitsOf(device),
    points: resolveModbusPoints(device, profile),
    expectations: document.expect ?? [],
    pollIntervalMs: device.pollInterval,
  };
}

function resolveModbusPoints(device: ModbusPollSettings, profile: DeviceProfile): ModbusPoint[] {
  const document = profile.document as ModbusProfileDocument;
  const factors = new Set(document.points.flatMap((point) => (point.scaleFactor === undefined ? [] : [point.scaleFactor])));
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
    notImplemented: notImplementedPattern(point, point.scaleFactor !== undefined || factors.has(point.name)),
  }));
}

function planLimitsOf(device: ModbusPollSettings): PlanLimits {
  return { maxRegisters: device.maxRegistersPerRead, maxBits: device.maxBitsPerRead, maxGap: device.maxGap };
}

/** Problems of a device's settings with its profile, each at the key of its entry that causes it. */
export function checkModbusDevice(device: ModbusPolledDevice): DeviceProblem[] {
  return [...readLimitProblems(device), ...scaleFactorIntervalProblems(device)];
}

/** A point larger than the device lets one request read cannot be read at all. */
function readLimitProblems(device: ModbusPolledDevice): DeviceProblem[] {
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

/**
 * A value and its scale factor must be read in the same poll (a factor from another poll could
 * belong to another reading). The profile keeps its own intervals consistent; a device's
 * pollInterval, which replaces the profile's default but not a point's own, can still part them.
 */
function scaleFactorIntervalProblems(device: ModbusPolledDevice): DeviceProblem[] {
  const byName = new Map(device.points.map((point) => [point.name, point]));
  return device.points.flatMap((point) => {
    const factor = point.scaleFactor === undefined ? undefined : byName.get(point.scaleFactor);
    if (!factor || factor.intervalMs === point.intervalMs) return [];
    const own = factor.intervalMs === device.pollIntervalMs ? point : factor;
    return [
      {
        path: ['pollInterval'],
        message:
          `point ${point.name} of profile ${device.profile} would be polled every ${formatDurationMs(point.intervalMs)} and its scale factor ${factor.name} ` +
          `every ${formatDurationMs(factor.intervalMs)}: a value and its factor must be read in the same poll`,
        fix: `remove pollInterval, so the profile's intervals apply, or make it ${asWritten(own.intervalMs)}, the interval ${own.name} names in the profile`,
      },
    ];
  });
}

/** A duration as agent.yaml takes it: 5s, 1m, 250ms. */
function asWritten(ms: number): string {
  const unit = ([['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const).find(([, size]) => ms % size === 0);
  return unit ? `${ms / unit[1]}${unit[0]}` : `${ms}ms`;
}
