import { z } from 'zod';

const TYPE_NAMES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'] as const;
const typeName = z.enum(TYPE_NAMES);

/**
 * A JSON Schema object as providers take it for tool parameters and structured output: a plain object whose
 * `type` (when present) names JSON types and whose `properties` (when present) is an object of schemas.
 * Deeper rules are the provider's to check; this catches a file that is not a schema at all.
 */
export const jsonSchemaObject = z.looseObject(
  {
    type: z.union([typeName, z.array(typeName).min(1)], { error: `must be one of ${TYPE_NAMES.join(', ')}, or an array of them` }).optional(),
    properties: z.record(z.string(), z.looseObject({}, { error: 'must be a JSON Schema object' })).optional(),
    required: z.array(z.string(), { error: 'must be an array of property names' }).optional(),
  },
  { error: 'must be a JSON Schema object (e.g. {"type": "object", "properties": {…}})' },
);
