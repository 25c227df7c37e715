/**
 * Finds the schema that validates one place of a document, so a config error can say what the
 * field is for (its description) and which keys are allowed beside it, without a second table
 * of hints that drifts from the schema.
 */
import type { z } from 'zod';
import type { ConfigPath } from './config-error.js';

type AnySchema = z.core.$ZodType;

interface WalkDef {
  type: string;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  innerType?: AnySchema;
  in?: AnySchema;
  options?: AnySchema[];
  valueType?: AnySchema;
  values?: unknown[];
}

function defOf(schema: AnySchema): WalkDef {
  return schema._zod.def as unknown as WalkDef;
}

/** Strips optional, default, nullable and pipes down to the schema that checks the shape. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** For a union, the option whose literal fields (e.g. `protocol: modbus-tcp`) match the value. */
function resolveUnion(schema: AnySchema, value: unknown): AnySchema {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type !== 'union' || !def.options) return inner;
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const match = def.options.find((option) => {
    const shape = defOf(unwrap(option)).shape;
    return (
      shape !== undefined &&
      Object.entries(shape).every(([key, field]) => {
        const fieldDef = defOf(unwrap(field));
        return fieldDef.type !== 'literal' || (fieldDef.values ?? []).includes(record[key]);
      })
    );
  });
  return unwrap(match ?? def.options[0] ?? inner);
}

/** The schema at `path`, following the data through arrays, records and unions. */
export function schemaAt(root: AnySchema, path: ConfigPath, data: unknown): AnySchema | undefined {
  let schema: AnySchema | undefined = root;
  let value: unknown = data;
  for (const part of path) {
    if (!schema) return undefined;
    const def = defOf(resolveUnion(schema, value));
    if (def.type === 'object' && def.shape && typeof part === 'string') schema = def.shape[part];
    else if (def.type === 'array') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else return undefined;
    value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[part] : undefined;
  }
  return schema;
}

export function descriptionAt(root: AnySchema, path: ConfigPath, data: unknown): string | undefined {
  const schema = schemaAt(root, path, data);
  if (!schema) return undefined;
  const described = (s: AnySchema) => (s as { description?: string }).description;
  return described(schema) ?? described(unwrap(schema));
}

/** The keys an object at `path` may have. */
export function allowedKeysAt(root: AnySchema, path: ConfigPath, data: unknown): string[] {
  const schema = schemaAt(root, path, data);
  if (!schema) return [];
  let value: unknown = data;
  for (const part of path) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[part] : undefined;
  const shape = defOf(resolveUnion(schema, value)).shape;
  return shape ? Object.keys(shape) : [];
}
