/** A Modbus TCP device simulated from a profile, started in-process (the CLI and tests use this). */
import { createLogger, type Logger } from '@davy/runtime';
import type { DecodedValue } from '@davy/edge-agent/modbus';
import type { DeviceProfile } from '@davy/edge-agent/profiles';
import type { Override } from '../behaviours/index.js';
import type { RegisterBank } from './register-bank.js';
import { ModbusTcpServer } from './server.js';
import { SimulatedModbusDevice, tickEvery } from './simulated-device.js';

export interface ModbusSimulatorOptions {
  /** A bundled profile's name, the path to a profile file, or a loaded profile. */
  profile: string | DeviceProfile;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Answer only this unit id (requests for others get no reply); default: answer every unit id. */
  unitId?: number;
  /** Parameters laid over the profile's simulate blocks (`--set`). */
  overrides?: readonly Override[];
  /** How often clock-driven values move on; default 100 ms. */
  tickMs?: number;
  /** Serve at least this many addresses in every table (default: up to each table's last point). */
  minTableSize?: number;
  logger?: Logger;
  /** Source of the noise; tests pass their own. */
  random?: () => number;
}

export interface ModbusSimulator {
  readonly host: string;
  readonly port: number;
  readonly profile: DeviceProfile;
  /** The served tables, as the wire sees them. */
  readonly bank: RegisterBank;
  /** The value a client reading the point now would compute (after scale and offset). */
  valueOf(pointName: string): DecodedValue | undefined;
  close(): Promise<void>;
}

export const defaultTickMs = 100;

/** Loads and checks the profile (throwing ConfigError), then listens; resolves once it does. */
export async function startModbusSimulator(options: ModbusSimulatorOptions): Promise<ModbusSimulator> {
  const logger = options.logger ?? createLogger({ component: 'davy-sim' });
  const device = SimulatedModbusDevice.of(options.profile, options);
  const profile = device.profile;
  const server = await ModbusTcpServer.listen({ bank: device.bank, hooks: device, host: options.host, port: options.port, unitId: options.unitId, logger });
  const tickMs = options.tickMs ?? defaultTickMs;
  const stopTicking = tickEvery([device], tickMs);
  logger.info('modbus.listening', {
    host: server.host,
    port: server.port,
    profile: profile.name,
    points: profile.document.points.length,
    file: profile.file,
    unitId: options.unitId ?? 'any',
    tickMs,
  });
  return {
    host: server.host,
    port: server.port,
    profile,
    bank: device.bank,
    valueOf: (pointName) => device.valueOf(pointName),
    async close() {
      stopTicking();
      await server.close();
      // What the device held at the end (a `reads` point: how many reads it answered).
      const values = Object.fromEntries(profile.document.points.map((point) => [point.name, device.valueOf(point.name)]));
      logger.info('modbus.stopped', { port: server.port, values });
    },
  };
}
