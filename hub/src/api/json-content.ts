/** The `content` of a JSON request body or response in a route's OpenAPI description. */
import type { z } from '@hono/zod-openapi';

export const jsonContent = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
