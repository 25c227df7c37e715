/**
 * /api/v1/webhooks — platform admins subscribe URLs to alarm changes (the signing secret shown
 * once), list and remove them, and read a webhook's recent deliveries.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { currentActor } from '../access/principal.js';
import { severities } from '../alarms/rule-tables.js';
import { deliveryStates, webhookEvents } from '../webhooks/delivery-outbox.js';
import type { Delivery, Webhook, Webhooks } from '../webhooks/index.js';
import { rfc3339, Rfc3339Schema, UnixMsSchema } from './instant.js';
import { jsonContent } from './json-content.js';
import { ApiProblem, problemResponses } from './problem.js';
import { asProblem } from './refusal-problem.js';

const WebhookSchema = z
  .object({
    id: z.number().int(),
    url: z.string(),
    description: z.string().nullable(),
    minSeverity: z.enum(severities).openapi({ description: 'Changes of alarms of this severity or worse are posted' }),
    createdBy: z.string(),
    created: Rfc3339Schema,
    createdMs: UnixMsSchema,
  })
  .openapi('Webhook');

const NewWebhookSchema = z
  .strictObject({
    url: z.string().min(1).max(2000).openapi({ description: 'An http or https URL, without credentials', example: 'https://alarms.example.com/davy' }),
    description: z.string().max(500).optional(),
    minSeverity: z.enum(severities).optional().openapi({ default: 'minor' }),
  })
  .openapi('NewWebhook');

const DeliverySchema = z
  .object({
    id: z.string().openapi({ description: 'The Davy-Delivery header and the body\'s id' }),
    event: z.enum(webhookEvents),
    alarmId: z.number().int(),
    state: z.enum(deliveryStates),
    attempts: z.number().int(),
    lastError: z.string().nullable().openapi({ description: 'Why the last attempt failed (HTTP status, connection error, timeout)' }),
    created: Rfc3339Schema,
    createdMs: UnixMsSchema,
    lastAttemptMs: UnixMsSchema.nullable(),
    nextAttemptMs: UnixMsSchema.nullable().openapi({ description: 'A pending delivery: when it is tried next' }),
    doneMs: UnixMsSchema.nullable().openapi({ description: 'When it was delivered or given up' }),
  })
  .openapi('WebhookDelivery');

const IdParams = z.strictObject({ id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' }, example: 1 }) });

const DeliveryQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ default: 100 }) });

const list = createRoute({
  method: 'get',
  path: '/api/v1/webhooks',
  tags: ['webhooks'],
  summary: 'List alarm webhooks (never their secrets)',
  responses: {
    200: { description: 'Every webhook', content: jsonContent(z.object({ items: z.array(WebhookSchema) })) },
    ...problemResponses('unauthorized', 'forbidden', 'internal-error', 'unavailable'),
  },
});

const create = createRoute({
  method: 'post',
  path: '/api/v1/webhooks',
  tags: ['webhooks'],
  summary: 'Subscribe a URL to alarm changes',
  request: { body: { required: true, content: jsonContent(NewWebhookSchema) } },
  responses: {
    201: {
      description: 'Made: `secret`, the HMAC-SM3 key its deliveries are signed with, is shown only now',
      content: jsonContent(WebhookSchema.extend({ secret: z.string().openapi({ description: '32 random bytes, base64url' }) })),
    },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'unsupported-media-type', 'internal-error', 'unavailable'),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/api/v1/webhooks/{id}',
  tags: ['webhooks'],
  summary: 'Remove a webhook: nothing more is sent to it, pending deliveries included',
  request: { params: IdParams },
  responses: {
    204: { description: 'Removed' },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'not-found', 'internal-error', 'unavailable'),
  },
});

const deliveries = createRoute({
  method: 'get',
  path: '/api/v1/webhooks/{id}/deliveries',
  tags: ['webhooks'],
  summary: "A webhook's recent deliveries, newest first",
  request: { params: IdParams, query: DeliveryQuery },
  responses: {
    200: { description: 'Its deliveries', content: jsonContent(z.object({ items: z.array(DeliverySchema) })) },
    ...problemResponses('invalid-parameters', 'unauthorized', 'forbidden', 'not-found', 'internal-error', 'unavailable'),
  },
});

const webhookOf = (webhook: Webhook): z.infer<typeof WebhookSchema> => ({ ...webhook, created: rfc3339(webhook.createdMs) });

function deliveryOf(delivery: Delivery): z.infer<typeof DeliverySchema> {
  const { webhookId: _webhookId, ...shown } = delivery;
  return { ...shown, created: rfc3339(delivery.createdMs) };
}

export function webhookRoutes(webhooks: Webhooks): OpenAPIHono {
  return new OpenAPIHono()
    .openapi(list, async (c) => c.json({ items: (await webhooks.subscriptions.list()).map(webhookOf) }, 200))
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const { webhook, secret } = await asProblem(() => webhooks.subscriptions.create(body, currentActor()), 'body');
      return c.json({ ...webhookOf(webhook), secret }, 201);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      if (!(await webhooks.remove(id))) throw new ApiProblem('not-found', `there is no webhook ${id}`);
      return c.body(null, 204);
    })
    .openapi(deliveries, async (c) => {
      const { id } = c.req.valid('param');
      if (!(await webhooks.subscriptions.get(id))) throw new ApiProblem('not-found', `there is no webhook ${id}`);
      const { limit } = c.req.valid('query');
      return c.json({ items: (await webhooks.outbox.recent(id, limit ?? 100)).map(deliveryOf) }, 200);
    });
}
