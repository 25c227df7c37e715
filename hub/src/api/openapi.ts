/**
 * GET /api/v1/openapi.json — the OpenAPI 3.1 document, generated from the zod schemas that
 * validate the routes, so it cannot drift from them. It needs a token like every other route
 * but health.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { problemResponses } from './problem.js';

export const openApiPath = '/api/v1/openapi.json';

const route = createRoute({
  method: 'get',
  path: openApiPath,
  tags: ['meta'],
  summary: 'This API described in OpenAPI 3.1',
  responses: {
    200: { description: 'The OpenAPI document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
    ...problemResponses('unauthorized', 'internal-error'),
  },
});

/** Call after every other route is registered: the document is generated once, at the first request. */
export function serveOpenApiDocument(app: OpenAPIHono): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'The hub API token: DAVY_HUB_TOKEN, or the one davy-hub printed at its first start',
  });
  let document: ReturnType<OpenAPIHono['getOpenAPI31Document']> | undefined;
  app.openapi(route, (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Davy hub API',
        version: '1.0.0',
        description:
          'Energy-regulation telemetry from field gateways (DB14/T 2936—2023). Instants are given as RFC 3339 UTC strings ' +
          'and as Unix milliseconds (fields ending in Ms). Errors are RFC 9457 problem details.',
      },
      security: [{ bearer: [] }],
    });
    return c.json(document, 200);
  });
}
