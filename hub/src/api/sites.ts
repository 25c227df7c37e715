/**
 * /api/v1/sites — the sites of enterprises (a coal mine, a power plant, a PV farm, …) with the
 * division (GB/T 2260) they lie in and where, and the gateways that report for each.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { regionCodeProblem } from '../registry/region-code.js';
import type { RegistryView } from '../access/scoped-registry.js';
import { siteKinds, type Site } from '../registry/registry.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { jsonContent } from './json-content.js';
import { ApiProblem, problemResponses } from './problem.js';
import { asProblem } from './refusal-problem.js';

const RegionCodeSchema = z.string().openapi({ description: 'Administrative division code (GB/T 2260), six digits', example: '140100' });

const LocationSchema = z
  .strictObject({
    latitude: z.number().min(-90).max(90).openapi({ example: 37.87 }),
    longitude: z.number().min(-180).max(180).openapi({ example: 112.55 }),
  })
  .openapi('Location', { description: 'WGS 84 degrees' });

const SiteSchema = z
  .object({
    id: z.number().int(),
    enterpriseCode: z.string().openapi({ description: 'Unified social credit code (GB 32100) of the enterprise' }),
    name: z.string().openapi({ example: 'No. 2 mine' }),
    kind: z.enum(siteKinds),
    regionCode: RegionCodeSchema,
    location: LocationSchema.nullable(),
    created: Rfc3339Schema,
    createdMs: UnixMsSchema,
    gateways: z.array(z.string()).openapi({ description: 'Ids of the gateways that report for the site' }),
  })
  .openapi('Site');

const NewSiteSchema = z
  .strictObject({
    enterpriseCode: z.string().min(1).max(64),
    name: z.string().min(1).max(200),
    kind: z.enum(siteKinds),
    regionCode: RegionCodeSchema.min(1).max(16),
    location: LocationSchema.optional(),
  })
  .openapi('NewSite');

const SiteQuery = z.strictObject({
  enterprise: z.string().max(64).optional().openapi({ description: 'Only sites of this enterprise (credit code)' }),
  region: RegionCodeSchema.max(16)
    .superRefine((code, context) => {
      const problem = regionCodeProblem(code);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .openapi({ description: 'Only sites in this division or any under it' }),
});

const IdParams = z.strictObject({ id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' }, example: 1 }) });
const AssignParams = IdParams.extend({ gatewayId: z.string().min(1).max(200).openapi({ param: { name: 'gatewayId', in: 'path' }, example: 'gw-shanxi-01' }) });

const list = createRoute({
  method: 'get',
  path: '/api/v1/sites',
  tags: ['registry'],
  summary: 'List sites',
  request: { query: SiteQuery },
  responses: {
    200: { description: 'The sites that match, by id', content: jsonContent(z.object({ items: z.array(SiteSchema) })) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'internal-error', 'unavailable'),
  },
});

const create = createRoute({
  method: 'post',
  path: '/api/v1/sites',
  tags: ['registry'],
  summary: 'Register a site of an enterprise',
  request: { body: { required: true, content: jsonContent(NewSiteSchema) } },
  responses: {
    201: { description: 'Registered', content: jsonContent(SiteSchema) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'conflict', 'unsupported-media-type', 'internal-error', 'unavailable'),
  },
});

const read = createRoute({
  method: 'get',
  path: '/api/v1/sites/{id}',
  tags: ['registry'],
  summary: 'Read a site',
  request: { params: IdParams },
  responses: {
    200: { description: 'The site', content: jsonContent(SiteSchema) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'not-found', 'internal-error', 'unavailable'),
  },
});

const assign = createRoute({
  method: 'put',
  path: '/api/v1/sites/{id}/gateways/{gatewayId}',
  tags: ['registry'],
  summary: 'Make a gateway report for this site',
  description: 'A gateway reports for one site: assigning it here moves it from any other.',
  request: { params: AssignParams },
  responses: {
    200: { description: 'The site, with its gateways', content: jsonContent(SiteSchema) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'not-found', 'internal-error', 'unavailable'),
  },
});

function siteOf(site: Site): z.infer<typeof SiteSchema> {
  return { ...site, created: rfc3339(site.createdMs) };
}

export function siteRoutes(registry: RegistryView): OpenAPIHono {
  return new OpenAPIHono()
    .openapi(list, async (c) => {
      const query = c.req.valid('query');
      const sites = await registry.sites({ enterpriseCode: query.enterprise?.toUpperCase(), regionCode: query.region });
      return c.json({ items: sites.map(siteOf) }, 200);
    })
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const site = await asProblem(() => registry.createSite({ ...body, enterpriseCode: body.enterpriseCode.toUpperCase(), location: body.location ?? null }), 'body');
      return c.json(siteOf(site), 201);
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const site = await registry.site(id);
      if (!site) throw new ApiProblem('not-found', `there is no site ${id}`);
      return c.json(siteOf(site), 200);
    })
    .openapi(assign, async (c) => {
      const { id, gatewayId } = c.req.valid('param');
      return c.json(siteOf(await asProblem(() => registry.assignGateway(id, gatewayId), 'path')), 200);
    });
}
