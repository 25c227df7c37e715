/**
 * A device's points grouped by poll interval, each group's reads planned once. The values that
 * identify the device's map (the profile's `expect`) are read with every group, so each poll is
 * checked by what it read itself; only the group's own points are reported.
 */
import type { MapExpectation, ModbusPoint, ModbusPolledDevice } from './modbus-points.js';
import { planReads, type RegisterRead } from './register-plan.js';

export interface PollGroup {
  intervalMs: number;
  reads: Array<RegisterRead<ModbusPoint>>;
  /** The points whose readings the group reports: its own, not the identity points read along. */
  reported: ReadonlySet<string>;
  expectations: readonly MapExpectation[];
}

export function planPollGroups(device: Pick<ModbusPolledDevice, 'points' | 'limits' | 'expectations'>): PollGroup[] {
  const byInterval = new Map<number, ModbusPoint[]>();
  for (const point of device.points) byInterval.set(point.intervalMs, [...(byInterval.get(point.intervalMs) ?? []), point]);
  const identity = device.points.filter((point) => device.expectations.some((expectation) => expectation.point === point.name));
  return [...byInterval.entries()]
    .sort(([a], [b]) => a - b)
    .map(([intervalMs, own]) => {
      const read = [...own, ...identity.filter((point) => !own.includes(point))];
      return {
        intervalMs,
        reads: planReads(read.map((point) => ({ point, table: point.table, address: point.address, count: point.count })), device.limits),
        reported: new Set(own.map((point) => point.name)),
        expectations: device.expectations,
      };
    });
}

export function requestsPerCycle(groups: readonly PollGroup[]): string {
  const requests = groups.reduce((sum, group) => sum + group.reads.length, 0);
  return `${requests} request${requests === 1 ? '' : 's'} per poll cycle`;
}
