/**
 * What a meter counted at each of its readings in a period, from its running total: the
 * increment since the reading before (0 for a missing one), starting from the last reading
 * before the period (or, without one, the first in it). A reading lower than the one before is
 * a counter that was reset or replaced: it counted from zero up to that reading.
 */
export function counterIncrements(before: number | null, readings: ReadonlyArray<number | null>): number[] {
  let previous = before;
  return readings.map((reading) => {
    if (reading === null) return 0;
    const increment = previous === null ? 0 : reading >= previous ? reading - previous : reading;
    previous = reading;
    return increment;
  });
}
