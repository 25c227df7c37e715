/**
 * What a meter counted in a period, from its running total: the sum of the increments between
 * successive readings, starting from the last reading before the period (or, without one, the
 * first in it). A reading lower than the one before is a counter that was reset or replaced:
 * it counted from zero up to that reading.
 */
export function counterIncrements(before: number | null, readings: ReadonlyArray<number | null>): number {
  let previous = before;
  let total = 0;
  for (const reading of readings) {
    if (reading === null) continue;
    if (previous !== null) total += reading >= previous ? reading - previous : reading;
    previous = reading;
  }
  return total;
}
