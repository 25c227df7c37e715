/**
 * The profile's `expect`: values that identify a device's register map — a SunSpec model id and
 * length, a map marker. They are read with every poll; when one does not hold, the addresses of
 * that poll may point at other values than the profile says (an older SunSpec common model one
 * register shorter shifts every address behind it), so every reading of the poll is bad, saying
 * why, rather than a plausible wrong number.
 */
import type { PointReading } from '../driver.js';
import type { MapExpectation } from './modbus-points.js';

export function checkDeviceMap(readings: readonly PointReading[], expectations: readonly MapExpectation[]): readonly PointReading[] {
  const problem = mapProblem(readings, expectations);
  if (problem === undefined) return readings;
  // A map that is not the profile's explains every reading, the bad ones too (a scale factor
  // out of range, read from the wrong register); one that could not be checked leaves a bad
  // reading its own, closer reason.
  return readings.map((reading) => (problem.mismatch || reading.quality === 'good' ? { ...reading, value: null, quality: 'bad', error: problem.reason } : reading));
}

function mapProblem(readings: readonly PointReading[], expectations: readonly MapExpectation[]): { reason: string; mismatch: boolean } | undefined {
  for (const expectation of expectations) {
    const reading = readings.find((candidate) => candidate.point === expectation.point);
    if (!reading || reading.quality !== 'good') {
      return { reason: `cannot check the device's register map: ${expectation.point} was not read${reading?.error ? ` (${reading.error})` : ''}`, mismatch: false };
    }
    const value = typeof reading.value === 'boolean' ? Number(reading.value) : reading.value;
    if (value !== expectation.equals) {
      return { reason: `the device's register map is not the profile's: ${expectation.point} is ${JSON.stringify(value)}, the profile expects ${JSON.stringify(expectation.equals)}`, mismatch: true };
    }
  }
  return undefined;
}
