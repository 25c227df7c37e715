/**
 * A device profile come alive: every point's behaviour written into a register bank on each
 * tick, read-counting points advanced by the reads that cover them, and a point a client wrote
 * held at the written value from then on, as a setpoint is.
 */
import { ConfigError } from '@davy/runtime';
import type { DecodedValue, ModbusProfileDocument, ModbusTable } from '@davy/edge-agent/modbus';
import type { DeviceProfile } from '@davy/edge-agent/profiles';
import type { Behaviour } from '../behaviours/index.js';
import type { RequestHooks } from './pdu.js';
import { readPointValue, servedPoint, writePointValue, type ServedPoint } from './point-encoding.js';
import { RegisterBank } from './register-bank.js';

interface SimulatedPoint extends ServedPoint {
  readonly behaviour: Behaviour;
  held: boolean;
}

const noPoints = (): Record<ModbusTable, SimulatedPoint[]> => ({ coil: [], discrete: [], input: [], holding: [] });

export class SimulatedModbusDevice implements RequestHooks {
  readonly bank: RegisterBank;
  private readonly points = new Map<string, SimulatedPoint>();
  private readonly byTable = noPoints();
  private readonly readCounters = noPoints();

  /**
   * `behaviours`: one per profile point, in order. Each table serves addresses from 0 to its last
   * point's end, or `minTableSize` addresses when that is more (a benchmark's 125-register reads).
   */
  constructor(profile: DeviceProfile, behaviours: readonly Behaviour[], options: { minTableSize?: number } = {}) {
    const minSize = options.minTableSize ?? 0;
    const sizes = { coil: minSize, discrete: minSize, input: minSize, holding: minSize };
    if (profile.document.protocol !== 'modbus') {
      throw new ConfigError(profile.file, [{ path: ['protocol'], message: `profile ${profile.name} is for ${profile.document.protocol}, not modbus`, fix: 'pick a Modbus profile (protocol: modbus)' }]);
    }
    const modbus = profile.document as ModbusProfileDocument;
    modbus.points.forEach((document, index) => {
      const point: SimulatedPoint = { ...servedPoint(document, modbus.defaults?.order), behaviour: behaviours[index]!, held: false };
      this.points.set(document.name, point);
      this.byTable[document.table].push(point);
      if (point.behaviour.advancesOn === 'read') this.readCounters[document.table].push(point);
      sizes[document.table] = Math.max(sizes[document.table], document.address + point.count);
    });
    this.bank = new RegisterBank(sizes);
    for (const point of this.points.values()) writePointValue(this.bank, point, point.behaviour.value);
  }

  /** Moves every clock-driven point to `elapsedS` seconds after start. */
  tick(elapsedS: number): void {
    for (const point of this.points.values()) {
      if (point.behaviour.advancesOn === 'tick' && !point.held) writePointValue(this.bank, point, point.behaviour.advance(elapsedS));
    }
  }

  beforeRead(table: ModbusTable, start: number, count: number): void {
    for (const point of this.readCounters[table]) {
      if (!point.held && overlaps(point, start, count)) writePointValue(this.bank, point, point.behaviour.advance(0));
    }
  }

  afterWrite(table: ModbusTable, start: number, count: number): void {
    for (const point of this.byTable[table]) {
      if (overlaps(point, start, count)) point.held = true;
    }
  }

  /** The value a client reading the point now would compute; undefined for an unknown point. */
  valueOf(pointName: string): DecodedValue | undefined {
    const point = this.points.get(pointName);
    return point && readPointValue(this.bank, point);
  }
}

function overlaps(point: ServedPoint, start: number, count: number): boolean {
  return point.document.address < start + count && start < point.document.address + point.count;
}
