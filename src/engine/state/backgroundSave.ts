/** Runs async tasks one after another; a failed task does not stop the ones queued after it. */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

/**
 * Saves once, `delayMs` after the first change since the last save, so bursts of changes make one write.
 * A failed background save is dropped here: the store has already warned, and the caller keeps the
 * unsaved changes for the next save.
 */
export class DebouncedSave {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly save: () => Promise<void>,
    private readonly delayMs: number,
  ) {}

  /** Does nothing when a save is already scheduled, or when `delayMs` is 0 (background saving off). */
  schedule(): void {
    if (this.timer || this.delayMs <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save().catch(() => undefined);
    }, this.delayMs);
    // A pending save must not keep a CLI process alive; it awaits close() instead.
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
