/** A quantity that swings around its mean, like a voltage over a day or a flow over a shift. */
import { ofTime, type BehaviourKind } from './behaviour.js';
import { noisy } from './noise.js';

export const wave: BehaviourKind<'mean' | 'amplitude' | 'periodS' | 'noise'> = {
  summary: 'a sine around mean, plus gaussian noise',
  params: {
    mean: { about: 'the middle of the swing' },
    amplitude: { about: 'how far the sine swings from the mean', default: 0, atLeast: 0 },
    periodS: { about: 'seconds of one full swing', default: 60, above: 0 },
    noise: { about: 'standard deviation of the noise added to each sample', default: 0, atLeast: 0 },
  },
  create: ({ mean, amplitude, periodS, noise }, random) =>
    ofTime((elapsedS) => noisy(mean + amplitude * Math.sin((2 * Math.PI * elapsedS) / periodS), noise, random)),
};
