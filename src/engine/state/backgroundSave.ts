/** Runs async tasks one after another; a failed task does not stop the ones queued after it. */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  run(task: () => Promise<void>): Promise<void> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/**
 * Wraps a save for a timer to call: failures are reported to `onFailure` only for the first of a run of
 * failures (a success re-arms it), so a full disk does not repeat the same warning every period.
 */
export function quietSaver(save: () => Promise<void>, onFailure: (err: unknown) => void): () => void {
  let warned = false;
  return () => {
    save().then(
      () => {
        warned = false;
      },
      (err: unknown) => {
        if (warned) return;
        warned = true;
        onFailure(err);
      },
    );
  };
}
