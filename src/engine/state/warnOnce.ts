/**
 * Warns about a failing thing once, not on every retry: the next warning for the same key comes only after
 * `succeeded(key)`, so a full disk does not repeat the same message every save period.
 */
export class WarnOnce {
  private readonly warned = new Set<string>();

  constructor(private readonly warn: (message: string) => void) {}

  failed(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(message);
  }

  succeeded(key: string): void {
    this.warned.delete(key);
  }
}
