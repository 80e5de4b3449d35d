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
