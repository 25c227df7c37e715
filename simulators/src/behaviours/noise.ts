/** A standard normal sample (Box–Muller), so noise looks like a sensor's rather than a die's. */
export function gaussian(random: () => number): number {
  // 1 - random() is in (0, 1], so the logarithm stays finite.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** `noise` standard deviations of gaussian noise; no random draw at all when noise is 0. */
export function noisy(value: number, noise: number, random: () => number): number {
  return noise === 0 ? value : value + noise * gaussian(random);
}
