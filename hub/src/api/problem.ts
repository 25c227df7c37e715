/**
 * Errors as RFC 9457 problem details (application/problem+json). Handlers and middleware
 * throw an ApiProblem; the app's error handler renders it, so every error leaves one way.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const problemMediaType = 'application/problem+json';

export type ParameterLocation = 'query' | 'path' | 'header' | 'body';

export interface ParameterError {
  name: string;
  in: ParameterLocation;
  detail: string;
}

/** The problem types this API answers with; `type` is `urn:davy:problem:<kind>`. */
const kinds = {
  'invalid-parameters': { status: 400, title: 'Invalid request parameters' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  locked: { status: 423, title: 'Account locked' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'internal-error': { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Store unavailable' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ProblemKind = keyof typeof kinds;

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:davy:problem:invalid-parameters' }),
    title: z.string().openapi({ example: 'Invalid request parameters' }),
    status: z.number().int().openapi({ example: 400 }),
    detail: z.string().openapi({ example: 'from: expected RFC 3339 time or Unix milliseconds, got \'yesterday\'' }),
    instance: z.string().openapi({ description: 'The request path', example: '/api/v1/series/history' }),
    errors: z
      .array(
        z.object({
          name: z.string().openapi({ example: 'from' }),
          in: z.enum(['query', 'path', 'header', 'body']),
          detail: z.string(),
        }),
      )
      .optional()
      .openapi({ description: 'One entry per invalid parameter (invalid-parameters problems only)' }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details' });

type Problem = z.infer<typeof ProblemSchema>;

export class ApiProblem extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly options: { errors?: ParameterError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }

  get status(): ContentfulStatusCode {
    return kinds[this.kind].status;
  }

  static invalidParameters(errors: ParameterError[]): ApiProblem {
    const detail = errors.map((error) => `${error.name}: ${error.detail}`).join('; ');
    return new ApiProblem('invalid-parameters', detail, { errors });
  }
}

export function problemResponse(c: Context, problem: ApiProblem): Response {
  const body: Problem = {
    type: `urn:davy:problem:${problem.kind}`,
    title: kinds[problem.kind].title,
    status: problem.status,
    detail: problem.detail,
    instance: c.req.path,
    ...(problem.options.errors ? { errors: problem.options.errors } : {}),
  };
  return c.body(JSON.stringify(body), problem.status, { ...problem.options.headers, 'Content-Type': problemMediaType });
}

const responseDescriptions: Record<ProblemKind, string> = {
  'invalid-parameters': 'A parameter or a field of the body is missing or invalid; `errors` names each one',
  unauthorized: 'No valid bearer token',
  forbidden: 'The role of the token may not do this',
  'not-found': 'The resource does not exist',
  'method-not-allowed': 'The route does not take this method; Allow lists those it takes',
  conflict: 'It exists already',
  'unsupported-media-type': 'The body is not application/json',
  locked: 'Too many failed logins: the account is locked for a while',
  'too-many-requests': "The API key's rate is spent; Retry-After says when to try again",
  'internal-error': 'The hub failed to answer; the cause is logged, not returned',
  unavailable: 'The hub cannot reach its database right now; try again after Retry-After seconds',
};

interface ProblemResponseConfig {
  description: string;
  content: { [problemMediaType]: { schema: typeof ProblemSchema } };
}

type ProblemResponses<K extends ProblemKind> = { [P in K as (typeof kinds)[P]['status']]: ProblemResponseConfig };

/** OpenAPI response entries for the given problem kinds, keyed by status. */
export function problemResponses<K extends ProblemKind>(...list: K[]): ProblemResponses<K> {
  const entries = list.map((kind): [number, ProblemResponseConfig] => [
    kinds[kind].status,
    { description: responseDescriptions[kind], content: { [problemMediaType]: { schema: ProblemSchema } } },
  ]);
  return Object.fromEntries(entries) as ProblemResponses<K>;
}
