/**
 * The lines of one agent: devices naming the same serial port (or the same serial server
 * host:port) get the same RtuBus. A device that would make the line ambiguous — another unit id
 * already polled there, or other serial settings for the same port — is refused with the reason
 * and the fix.
 */
import type { Logger } from '@davy/runtime';
import type { ModbusRtuDevice } from './rtu-device.js';
import { RtuBus, type LineMember } from './rtu-bus.js';
import { describeLine, lineAddress, lineKey, serialSettings, type RtuLine } from './rtu-line.js';

export interface LineConflict {
  message: string;
  fix: string;
}

export class LinePool {
  private readonly buses = new Map<string, RtuBus>();

  join(device: ModbusRtuDevice, member: LineMember, log: Logger): RtuBus | LineConflict {
    const key = lineKey(device.line);
    const existing = this.buses.get(key);
    if (existing) {
      const conflict = conflictOf(existing, device);
      if (conflict) return conflict;
      existing.join(member);
      return existing;
    }
    // The line is not the first device's alone: its log lines name the line instead.
    const bus = new RtuBus(device.line, device.interFrameGapMs, log.child({ device: undefined, line: describeLine(device.line) }));
    this.buses.set(key, bus);
    bus.join(member);
    return bus;
  }

  leave(bus: RtuBus, member: LineMember): void {
    bus.leave(member);
    if (bus.memberCount > 0) return;
    bus.close();
    for (const [key, candidate] of this.buses) if (candidate === bus) this.buses.delete(key);
  }
}

/** What a line holds so far, whether a running bus or devices being checked at load. */
interface LineHolding {
  where: string;
  line: RtuLine;
  gapMs: number;
  deviceAt(unitId: number): string | undefined;
}

function conflictOf(bus: RtuBus, device: ModbusRtuDevice): LineConflict | undefined {
  return conflictWith({ where: bus.where, line: bus.line, gapMs: bus.gapMs, deviceAt: (unitId) => bus.memberAt(unitId)?.device }, device);
}

/** Devices of agent.yaml that would make a line ambiguous, found before anything runs. */
export function lineConflicts(devices: readonly ModbusRtuDevice[]): Array<{ device: ModbusRtuDevice; conflict: LineConflict }> {
  const lines = new Map<string, { holding: LineHolding; units: Map<number, string> }>();
  const conflicts: Array<{ device: ModbusRtuDevice; conflict: LineConflict }> = [];
  for (const device of devices) {
    const key = lineKey(device.line);
    const known = lines.get(key);
    if (!known) {
      const units = new Map([[device.unitId, device.name]]);
      lines.set(key, { units, holding: { where: lineAddress(device.line), line: device.line, gapMs: device.interFrameGapMs, deviceAt: (unitId) => units.get(unitId) } });
      continue;
    }
    const conflict = conflictWith(known.holding, device);
    if (conflict) conflicts.push({ device, conflict });
    else known.units.set(device.unitId, device.name);
  }
  return conflicts;
}

function conflictWith(bus: LineHolding, device: ModbusRtuDevice): LineConflict | undefined {
  const holder = bus.deviceAt(device.unitId);
  if (holder) {
    return {
      message: `unit ${device.unitId} on ${bus.where} is already polled as device ${holder}`,
      fix: `give each device on one line its own unitId (the slave address set on the device), or remove one of the two entries`,
    };
  }
  const theirs = settingsOf(bus.line, bus.gapMs);
  const ours = settingsOf(device.line, device.interFrameGapMs);
  if (theirs !== ours) {
    return {
      message: `${bus.where} is already in use with other line settings (${theirs}) than this device's (${ours})`,
      fix: 'give every device on one port the same baudRate, parity, dataBits, stopBits and interFrameGap',
    };
  }
  return undefined;
}

function settingsOf(line: RtuLine, gapMs: number): string {
  const gap = `gap ${Number(gapMs.toFixed(2))} ms`;
  return line.kind === 'serial' ? `${serialSettings(line)}, ${gap}` : gap;
}

/** The lines of this process's agent. */
export const agentLines = new LinePool();
