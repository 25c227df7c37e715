/**
 * A device profile come alive: every point's behaviour written into a register bank on each
 * tick, read-counting points advanced by the reads that cover them, and a point a client wrote
 * held at the written value from then on, as a setpoint is.
 */
import type { DecodedValue, ModbusTable } from '@davy/edge-agent/modbus';
import type { DeviceProfile } from '@davy/edge-agent/profiles';
import { profileBehaviours, type Behaviour, type Override } from '../behaviours/index.js';
import { resolveProfile } from '../profile-reference.js';
import { asModbusProfile, type ModbusProfile } from './modbus-profile.js';
import type { RequestHooks } from './pdu.js';
import { readPointValue, servedPoint, writePointValue, type ServedPoint } from './point-encoding.js';
import { RegisterBank } from './register-bank.js';

interface SimulatedPoint extends ServedPoint {
  readonly behaviour: Behaviour;
  held: boolean;
}

const noPoints = (): Record<ModbusTable, SimulatedPoint[]> => ({ coil: [], discrete: [], input: [], holding: [] });

export interface SimulationOptions {
  /** Parameters laid over the profile's simulate blocks (`--set`). */
  overrides?: readonly Override[];
  /** Serve at least this many addresses in every table (default: up to each table's last point). */
  minTableSize?: number;
  /** Source of the noise; tests pass their own. */
  random?: () => number;
}

export class SimulatedModbusDevice implements RequestHooks {
  /** A profile (a bundled one's name, a file, or loaded) come alive; throws ConfigError for a bad profile or --set. */
  static of(reference: string | DeviceProfile, options: SimulationOptions = {}): SimulatedModbusDevice {
    const profile = asModbusProfile(typeof reference === 'string' ? resolveProfile(reference) : reference);
    return new SimulatedModbusDevice(profile, profileBehaviours(profile, options.overrides, options.random), { minTableSize: options.minTableSize });
  }

  readonly bank: RegisterBank;
  private readonly points = new Map<string, SimulatedPoint>();
  private readonly byTable = noPoints();
  private readonly readCounters = noPoints();

  /**
   * `behaviours`: one per profile point, in order. Each table serves addresses from 0 to its last
   * point's end, or `minTableSize` addresses when that is more (a benchmark's 125-register reads).
   */
  constructor(readonly profile: ModbusProfile, behaviours: readonly Behaviour[], options: { minTableSize?: number } = {}) {
    const minSize = options.minTableSize ?? 0;
    const sizes = { coil: minSize, discrete: minSize, input: minSize, holding: minSize };
    const documents = profile.document.points;
    const factors = new Set(documents.flatMap((document) => (document.scaleFactor === undefined ? [] : [document.scaleFactor])));
    // Scale factor points first: the points they scale are encoded with their current value.
    const order = [...documents.keys()].sort((a, b) => Number(factors.has(documents[b]!.name)) - Number(factors.has(documents[a]!.name)));
    for (const index of order) {
      const document = documents[index]!;
      const factor = document.scaleFactor === undefined ? undefined : this.points.get(document.scaleFactor);
      const point: SimulatedPoint = { ...servedPoint(document, profile.document.defaults?.order, factor), behaviour: behaviours[index]!, held: false };
      this.points.set(document.name, point);
      this.byTable[document.table].push(point);
      if (point.behaviour.advancesOn === 'read') this.readCounters[document.table].push(point);
      sizes[document.table] = Math.max(sizes[document.table], document.address + point.count);
    }
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

/** Moves the devices' clock-driven values every `tickMs`; returns the function that stops it. */
export function tickEvery(devices: readonly SimulatedModbusDevice[], tickMs: number): () => void {
  const startedMs = performance.now();
  const timer = setInterval(() => {
    const elapsedS = (performance.now() - startedMs) / 1000;
    for (const device of devices) device.tick(elapsedS);
  }, tickMs);
  timer.unref();
  return () => clearInterval(timer);
}
