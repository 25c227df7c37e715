/** A registry refusal as the API's problem: a bad field is a 400 naming it, the rest 404 or 409. */
import { RegistryError } from '../registry/registry.js';
import { ApiProblem, type ParameterLocation } from './problem.js';

/** Runs a registry call; a RegistryError becomes the problem it means, its field found in `location`. */
export async function asProblem<T>(call: () => Promise<T>, location: ParameterLocation): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    if (error.kind === 'invalid') throw ApiProblem.invalidParameters([{ name: error.field, in: location, detail: error.message }]);
    throw new ApiProblem(error.kind, error.message);
  }
}
