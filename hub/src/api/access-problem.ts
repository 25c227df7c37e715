/** An AccessError as the API's problem: a bad field is a 400 naming it; a wrong login 401; a locked account 423. */
import { AccessError } from '../access/users.js';
import { ApiProblem } from './problem.js';

export async function asAccessProblem<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof AccessError)) throw error;
    if (error.kind === 'invalid') throw ApiProblem.invalidParameters([{ name: error.field, in: 'body', detail: error.message }]);
    throw new ApiProblem(error.kind, error.message);
  }
}
