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
  requestBody?: unknown;
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
      '/api/v1/alarm-rules',
      '/api/v1/alarms',
      '/api/v1/alarms/{id}',
      '/api/v1/alarms/{id}/ack',
      '/api/v1/api-keys',
      '/api/v1/api-keys/{id}',
      '/api/v1/audit',
      '/api/v1/auth/login',
      '/api/v1/auth/logout',
      '/api/v1/auth/password',
      '/api/v1/devices',
      '/api/v1/enterprises',
      '/api/v1/enterprises/{code}',
      '/api/v1/enterprises/{code}/calorific-values',
      '/api/v1/enterprises/{code}/calorific-values/{id}',
      '/api/v1/events',
      '/api/v1/gateways',
      '/api/v1/health',
      '/api/v1/metrics',
      '/api/v1/openapi.json',
      '/api/v1/point-locations',
      '/api/v1/reports/energy',
      '/api/v1/reports/quality',
      '/api/v1/series',
      '/api/v1/series/history',
      '/api/v1/series/latest',
      '/api/v1/sites',
      '/api/v1/sites/{id}',
      '/api/v1/sites/{id}/gateways/{gatewayId}',
      '/api/v1/users',
      '/api/v1/webhooks',
      '/api/v1/webhooks/{id}',
      '/api/v1/webhooks/{id}/deliveries',
    ]);
  });

  it('requires the bearer scheme everywhere but health and login', () => {
    expect(document.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer', description: expect.any(String) } });
    expect(document.security).toEqual([{ bearer: [] }]);
    const open = ['/api/v1/health', '/api/v1/auth/login'];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) expect(operation.security, `${method} ${path}`).toEqual(open.includes(path) ? [] : undefined);
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
        const success = Object.keys(responses).find((status) => status.startsWith('2'))!;
        // 204 answers carry no body.
        const media = path === '/api/v1/reports/energy' ? ['application/json', 'text/csv'] : ['application/json'];
        if (success !== '204') expect(Object.keys(responses[success]!.content), where).toEqual(media);
        for (const [status, response] of Object.entries(responses).filter(([status]) => status !== success)) {
          expect(response.content['application/problem+json']!.schema.$ref, `${where} ${status}`).toBe('#/components/schemas/Problem');
        }
        expect(Object.keys(responses), where).toContain('500');
        if (!['/api/v1/health', '/api/v1/auth/login'].includes(path)) expect(Object.keys(responses), where).toContain('401');
        if (operation.parameters || operation.requestBody) expect(Object.keys(responses), where).toContain('400');
      }
    }
    expect(Object.keys(document.paths['/api/v1/series/history']!.get.responses)).toContain('404');
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Problem', 'Gateway', 'Series', 'LatestValue', 'BucketHistory', 'PointHistory', 'Event', 'Health', 'Enterprise', 'NewEnterprise', 'Site', 'NewSite', 'Metric']),
    );
  });
});
