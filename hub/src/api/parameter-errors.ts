/**
 * Turns zod's findings on a request's parameters into one 400 problem that names every bad
 * parameter. It is the default hook of every route, so validation stays next to each route
 * while the error shape stays one.
 */
import type { Hook } from '@hono/zod-openapi';
import type { Env } from 'hono';
import type { ZodError } from 'zod';
import { ApiProblem, type ParameterError, type ParameterLocation } from './problem.js';

const locations: Partial<Record<string, ParameterLocation>> = { query: 'query', param: 'path', header: 'header', json: 'body' };

function parameterErrors(error: ZodError, target: string): ParameterError[] {
  const location = locations[target] ?? 'query';
  return error.issues.flatMap((issue): ParameterError[] => {
    if (issue.code === 'unrecognized_keys') {
      const detail = location === 'body' ? 'is not a field of this request body' : 'is not a parameter of this route';
      return issue.keys.map((name) => ({ name: [...issue.path, name].join('.'), in: location, detail }));
    }
    // A body field is named by its whole path (location.latitude); a parameter by its name.
    const name = location === 'body' ? issue.path.join('.') : String(issue.path[0] ?? '');
    return [{ name, in: location, detail: issue.message }];
  });
}

export const rejectInvalidParameters: Hook<unknown, Env, string, undefined> = (result) => {
  if (!result.success) throw ApiProblem.invalidParameters(parameterErrors(result.error, result.target));
  return undefined;
};
