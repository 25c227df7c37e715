import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './test-api.js';

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Record<string, unknown>;
}

interface Operation {
  security?: unknown[];
  parameters?: Parameter[];
  responses: Record<string, { content: Record<string, { schema: { $ref?: string } }> }>;
}

interface Document {
  openapi: string;
  security: unknown[];
  paths: Record<string, Record<string, Operation> & { get: Operation }>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

describe('the OpenAPI document', () => {
  let api: TestApi;
  let document: Document;

  beforeAll(async () => {
    api = await openTestApi();
    document = await api.json<Document>('/api/v1/openapi.json');
  });
  afterAll(() => api.close());

  it('is OpenAPI 3.1 with every route', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/v1/devices',
      '/api/v1/enterprises',
      '/api/v1/enterprises/{code}',
      '/api/v1/events',
      '/api/v1/gateways',
      '/api/v1/health',
      '/api/v1/metrics',
      '/api/v1/openapi.json',
      '/api/v1/series',
      '/api/v1/series/history',
      '/api/v1/series/latest',
      '/api/v1/sites',
      '/api/v1/sites/{id}',
      '/api/v1/sites/{id}/gateways/{gatewayId}',
    ]);
  });

  it('requires the bearer scheme everywhere but health', () => {
    expect(document.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer', description: expect.any(String) } });
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/api/v1/health']!.get.security).toEqual([]);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) if (path !== '/api/v1/health') expect(operation.security, `${method} ${path}`).toBeUndefined();
    }
  });

  it('describes the history parameters', () => {
    const parameters = document.paths['/api/v1/series/history']!.get.parameters!;
    expect(parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ['key', 'query', true],
      ['from', 'query', true],
      ['to', 'query', true],
      ['step', 'query', false],
      ['agg', 'query', false],
      ['tz', 'query', false],
      ['limit', 'query', false],
      ['cursor', 'query', false],
    ]);
    const agg = parameters.find((p) => p.name === 'agg')!;
    expect(agg.schema).toMatchObject({ enum: ['avg', 'min', 'max', 'sum', 'count', 'last'], default: 'avg' });
    expect(parameters.find((p) => p.name === 'limit')!.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 10_000, default: 1000 });
  });

  it('gives every route a JSON answer and problem+json errors', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method} ${path}`;
        const { responses } = operation;
        const success = method === 'post' ? '201' : '200';
        expect(Object.keys(responses[success]!.content), where).toEqual(['application/json']);
        for (const [status, response] of Object.entries(responses).filter(([status]) => status !== success)) {
          expect(response.content['application/problem+json']!.schema.$ref, `${where} ${status}`).toBe('#/components/schemas/Problem');
        }
        expect(Object.keys(responses), where).toContain('500');
        if (path !== '/api/v1/health') expect(Object.keys(responses), where).toContain('401');
        if (operation.parameters || method === 'post') expect(Object.keys(responses), where).toContain('400');
      }
    }
    expect(Object.keys(document.paths['/api/v1/series/history']!.get.responses)).toContain('404');
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Problem', 'Gateway', 'Series', 'LatestValue', 'BucketHistory', 'PointHistory', 'Event', 'Health', 'Enterprise', 'NewEnterprise', 'Site', 'NewSite', 'Metric']),
    );
  });
});
