/** A Refusal as the API's problem: a bad field is a 400 naming it (in `location`); the rest keep their kind (404, 409, 401, 423). */
import { Refusal } from '../refusal.js';
import { ApiProblem, type ParameterLocation } from './problem.js';

export async function asProblem<T>(call: () => Promise<T>, location: ParameterLocation): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    if (error.kind === 'invalid') throw ApiProblem.invalidParameters([{ name: error.field, in: location, detail: error.message }]);
    throw new ApiProblem(error.kind, error.message);
  }
}
