/**
 * A level that jumps to a peak now and then, like methane at a working face when the shearer
 * cuts into a gas pocket. The first spike starts `everyS` seconds after start, so a demo starts
 * calm; each lasts `durationS` at the peak.
 */
import { ofTime, type BehaviourKind } from './behaviour.js';
import { noisy } from './noise.js';

export const spike: BehaviourKind<'base' | 'peak' | 'everyS' | 'durationS' | 'noise'> = {
  summary: 'base level with a spike to peak every everyS seconds, lasting durationS, plus noise',
  params: {
    base: { about: 'the level between spikes' },
    peak: { about: 'the level during a spike' },
    everyS: { about: 'seconds from the start of one spike to the next', above: 0 },
    durationS: { about: 'seconds a spike lasts', above: 0 },
    noise: { about: 'standard deviation of the noise added to each sample', default: 0, atLeast: 0 },
  },
  relations: ({ everyS, durationS }) =>
    durationS < everyS
      ? []
      : [{ param: 'durationS', message: `a spike of ${durationS} s every ${everyS} s never ends`, fix: 'make durationS shorter than everyS' }],
  create: ({ base, peak, everyS, durationS, noise }, random) =>
    ofTime((elapsedS) => {
      const inSpike = elapsedS >= everyS && elapsedS % everyS < durationS;
      return noisy(inSpike ? peak : base, noise, random);
    }),
};
