/** A Modbus TCP device resolved against its profile: every point with its layout and interval. */
import type { DeviceSpec, PointSpec } from '../../config/device-spec.js';
import type { DeviceProfile } from '../../profiles/index.js';
import type { RegisterLayout } from './codec.js';
import { isBitTable, registerCount, type ModbusTable } from './data-types.js';
import type { ModbusTcpDeviceDocument } from './modbus-tcp-config.js';
import type { ModbusProfileDocument } from './profile-schema.js';
import type { PlanLimits } from './register-plan.js';

export const defaultPollIntervalMs = 1000;

export interface ModbusPoint extends PointSpec, RegisterLayout {
  table: ModbusTable;
  address: number;
  /** Registers (or bits) the point occupies. */
  count: number;
}

export interface ModbusTcpDevice extends DeviceSpec {
  protocol: 'modbus-tcp';
  host: string;
  port: number;
  unitId: number;
  timeoutMs: number;
  offlineAfterFailures: number;
  limits: PlanLimits;
  points: ModbusPoint[];
}

export function resolveModbusTcpDevice(device: ModbusTcpDeviceDocument, profile: DeviceProfile): ModbusTcpDevice {
  const document = profile.document as ModbusProfileDocument;
  const points = document.points.map((point): ModbusPoint => ({
    name: point.name,
    description: point.description,
    metric: point.metric,
    unit: point.unit,
    scale: point.scale,
    offset: point.offset,
    intervalMs: point.pollInterval ?? device.pollInterval ?? document.defaults?.pollInterval ?? defaultPollIntervalMs,
    reportByException: point.reportByException ?? device.reportByException,
    table: point.table,
    address: point.address,
    type: point.type,
    order: point.order ?? document.defaults?.order ?? 'ABCD',
    bit: point.bit,
    length: point.length,
    count: isBitTable(point.table) ? 1 : registerCount(point.type, point.length),
  }));
  return {
    name: device.name,
    protocol: 'modbus-tcp',
    profile: profile.name,
    host: device.host,
    port: device.port,
    unitId: device.unitId,
    timeoutMs: device.timeout,
    offlineAfterFailures: device.offlineAfterFailures,
    limits: { maxRegisters: device.maxRegistersPerRead, maxBits: device.maxBitsPerRead, maxGap: device.maxGap },
    points,
  };
}

/** A point larger than the device lets one request read cannot be read at all. */
export function checkModbusTcpDevice(device: ModbusTcpDevice): Array<{ path: string[]; message: string; fix: string }> {
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
