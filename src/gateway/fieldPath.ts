import type { z } from 'zod';
import { fieldPath, reportedIssue } from '../engine/chatInput/chatInputError';
import { invalidField } from './gatewayError';

/** Parses with `schema`; the first problem becomes a 400 naming its field (e.g. `messages[2].content`), under `at` when given. */
export function parseOrRefuse<T extends z.ZodType>(schema: T, value: unknown, at: readonly PropertyKey[] = []): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = reportedIssue(parsed.error.issues);
  throw invalidField(fieldPath([...at, ...issue.path]) || 'body', issue.message);
}
