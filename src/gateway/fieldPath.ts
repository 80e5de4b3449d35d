import type { z } from 'zod';
import { invalidField } from './gatewayError';

/** `['messages', 2, 'content']` → `messages[2].content`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

/** Parses with `schema`; the first problem becomes a 400 naming its field. */
export function parseOrRefuse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw invalidField(fieldPath(issue.path) || 'body', issue.message);
}
