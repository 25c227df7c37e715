/** A device's points grouped by poll interval, each group's reads planned once. */
import type { ModbusPoint } from './modbus-points.js';
import { planReads, type PlanLimits, type RegisterRead } from './register-plan.js';

export interface PollGroup {
  intervalMs: number;
  reads: Array<RegisterRead<ModbusPoint>>;
}

export function planPollGroups(device: { points: readonly ModbusPoint[]; limits: PlanLimits }): PollGroup[] {
  const byInterval = new Map<number, ModbusPoint[]>();
  for (const point of device.points) byInterval.set(point.intervalMs, [...(byInterval.get(point.intervalMs) ?? []), point]);
  return [...byInterval.entries()]
    .sort(([a], [b]) => a - b)
    .map(([intervalMs, points]) => ({
      intervalMs,
      reads: planReads(points.map((point) => ({ point, table: point.table, address: point.address, count: point.count })), device.limits),
    }));
}

export function requestsPerCycle(groups: readonly PollGroup[]): string {
  const requests = groups.reduce((sum, group) => sum + group.reads.length, 0);
  return `${requests} request${requests === 1 ? '' : 's'} per poll cycle`;
}
