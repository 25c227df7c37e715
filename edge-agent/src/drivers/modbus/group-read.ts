/**
 * One poll of a poll group: its reads one after another, each reply decoded, each failure
 * counted by kind and turned into bad readings, then scale factors applied and the device's map
 * checked. The transport only supplies `exchange`, which sends one request and returns the
 * reply's data.
 */
import { errorMessage } from '@davy/runtime';
import type { PointReading } from '../driver.js';
import type { DeviceStatus } from './device-status.js';
import { ModbusReadError, type ReadFailureKind, type TableData } from './modbus-connection.js';
import type { ModbusPoint } from './modbus-points.js';
import { badReadings, decodeRead } from './point-readings.js';
import type { PollGroup } from './poll-groups.js';
import type { RegisterRead } from './register-plan.js';
import { checkDeviceMap } from './map-check.js';
import { applyScaleFactors } from './scale-factors.js';

export interface GroupReadOptions {
  /** Registers as text in each reading (for `device test`). */
  withRaw: boolean;
  /**
   * After a read that timed out, give the poll's other reads up: on a shared serial line each
   * would cost the other devices another timeout.
   */
  stopAfterTimeout: boolean;
}

export interface GroupOutcome {
  readings: PointReading[];
  /** Some read got an answer (data, or an exception reply from the device itself: it is there). */
  answered: boolean;
  /** The first failure's message, for the offline event. */
  failure?: string;
}

/** The readings of a poll that could not be made (no connection, a slave backed off): bad, saying why. */
export function unreadGroup(group: PollGroup, error: string): PointReading[] {
  return badReadings(group.reads, error, Date.now()).filter((reading) => group.reported.has(reading.point));
}

export async function readGroup(
  group: PollGroup,
  exchange: (read: RegisterRead<ModbusPoint>) => Promise<TableData>,
  status: DeviceStatus,
  points: ReadonlyMap<string, ModbusPoint>,
  options: GroupReadOptions,
): Promise<GroupOutcome> {
  const readings: PointReading[] = [];
  let answered = false;
  let failure: string | undefined;
  for (const [index, read] of group.reads.entries()) {
    status.readAttempted();
    try {
      const data = await exchange(read);
      const timeMs = Date.now();
      status.readSucceeded(timeMs);
      readings.push(...decodeRead(read, data, timeMs, options.withRaw));
      answered = true;
    } catch (error) {
      const kind: ReadFailureKind = error instanceof ModbusReadError ? error.kind : 'connection';
      const message = errorMessage(error);
      status.readFailed(kind, message);
      failure ??= message;
      if (error instanceof ModbusReadError && error.deviceAnswered) answered = true;
      readings.push(...badReadings([read], message, Date.now()));
      if (kind === 'timeout' && options.stopAfterTimeout) {
        readings.push(...badReadings(group.reads.slice(index + 1), `not read: ${message} earlier in this poll`, Date.now()));
        break;
      }
    }
  }
  const checked = checkDeviceMap(applyScaleFactors(readings, points), group.expectations);
  return { readings: checked.filter((reading) => group.reported.has(reading.point)), answered, failure };
}
