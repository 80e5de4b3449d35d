/** Bad chat input from outside (a CLI file, a gateway body): names the field and says what is wrong. */
export class ChatInputError extends Error {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field} ${detail}`);
    this.name = 'ChatInputError';
  }
}

/** `['messages', 2, 'content']` → `messages[2].content`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

interface Issue {
  path: PropertyKey[];
  message: string;
  code?: string;
  errors?: Issue[][];
}

/**
 * The problem to report from a failed parse: inside a union (a string or an array of parts), the branch that got
 * furthest names the field that is wrong (`messages[0].content[1].type`), not just the union.
 */
export function reportedIssue(issues: readonly Issue[]): { path: PropertyKey[]; message: string } {
  const issue = issues[0];
  if (issue.code !== 'invalid_union' || !issue.errors || issue.errors.length === 0) return issue;
  const deepest = issue.errors.map((branch) => branch[0]).filter((i) => i !== undefined && i.path.length > 0).sort((a, b) => b.path.length - a.path.length)[0];
  if (!deepest) return issue;
  const inner = reportedIssue([deepest]);
  return { path: [...issue.path, ...inner.path], message: inner.message };
}
