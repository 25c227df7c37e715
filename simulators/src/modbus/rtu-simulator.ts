/**
 * A simulated Modbus RTU line, started in-process (the CLI and tests use this): one or several
 * slaves, each a profile come alive at its unit id, with the faults given, served as RTU over TCP
 * or on a serial device (a pty).
 */
import { createLogger, type Logger } from '@davy/runtime';
import type { DecodedValue } from '@davy/edge-agent/modbus';
import type { DeviceProfile } from '@davy/edge-agent/profiles';
import type { Override } from '../behaviours/index.js';
import type { Fault } from './faults.js';
import { serveRtuOnSerial, serveRtuOverTcp, type RtuServing } from './rtu-server.js';
import { SimulatedLine, type LineSlave } from './simulated-line.js';
import { SimulatedModbusDevice, tickEvery } from './simulated-device.js';
import { defaultTickMs } from './simulator.js';

export interface RtuSlaveOptions {
  /** Absent: the slave answers every unit id (a line with a single device). */
  unitId?: number;
  profile: string | DeviceProfile;
  overrides?: readonly Override[];
}

export type RtuTransport = { kind: 'tcp'; host?: string; port?: number } | { kind: 'serial'; path: string };

export interface RtuSimulatorOptions {
  transport: RtuTransport;
  slaves: readonly RtuSlaveOptions[];
  faults?: readonly Fault[];
  /** Replies leave as late as a serial line at this many baud (8N1) would deliver them. */
  lineSpeed?: number;
  tickMs?: number;
  minTableSize?: number;
  logger?: Logger;
  random?: () => number;
}

export interface RtuSimulator {
  /** host:port (RTU over TCP) or the serial device's path. */
  readonly where: string;
  /** RTU over TCP: the bound port. */
  readonly port?: number;
  /** What a master reading the point of that unit's slave now would get. */
  valueOf(unitId: number, pointName: string): DecodedValue | undefined;
  close(): Promise<void>;
}

/** Loads and checks every profile (throwing ConfigError), then serves; resolves once it does. */
export async function startRtuSimulator(options: RtuSimulatorOptions): Promise<RtuSimulator> {
  const logger = options.logger ?? createLogger({ component: 'davy-sim' });
  const devices = options.slaves.map((slave) => ({
    unitId: slave.unitId,
    device: SimulatedModbusDevice.of(slave.profile, { overrides: slave.overrides, minTableSize: options.minTableSize, random: options.random }),
  }));
  const asSlave = (device: SimulatedModbusDevice): LineSlave => ({ bank: device.bank, hooks: device });
  const byUnit = new Map(devices.flatMap(({ unitId, device }) => (unitId === undefined ? [] : [[unitId, asSlave(device)] as const])));
  const anyUnit = devices.find(({ unitId }) => unitId === undefined)?.device;
  const line = new SimulatedLine(byUnit, options.faults, anyUnit && asSlave(anyUnit));
  const serving: RtuServing & { port?: number } =
    options.transport.kind === 'tcp'
      ? await serveRtuOverTcp(line, options.transport.host ?? '127.0.0.1', options.transport.port ?? 0, logger, options.lineSpeed)
      : serveRtuOnSerial(line, options.transport.path, logger, options.lineSpeed);
  const tickMs = options.tickMs ?? defaultTickMs;
  const stopTicking = tickEvery(devices.map(({ device }) => device), tickMs);
  const units = devices.map(({ unitId, device }) => ({ unitId: unitId ?? 'any', profile: device.profile.name, points: device.profile.document.points.length }));
  logger.info('modbus.listening', {
    framing: 'rtu',
    ...(options.transport.kind === 'tcp' ? { host: options.transport.host ?? '127.0.0.1', port: serving.port } : { serial: options.transport.path }),
    units,
    faults: options.faults ?? [],
    lineSpeed: options.lineSpeed ?? null,
    tickMs,
  });
  return {
    where: serving.where,
    port: serving.port,
    valueOf: (unitId, pointName) => (devices.find((slave) => slave.unitId === unitId) ?? devices.find((slave) => slave.unitId === undefined))?.device.valueOf(pointName),
    async close() {
      stopTicking();
      await serving.close();
      logger.info('modbus.stopped', { where: serving.where });
    },
  };
}
