import type * as vscode from 'vscode';
import type { AttemptEvent } from '../engine/events';
import { AttemptProgress } from '../engine/tasks/attemptProgress';

/** An onAttempt listener that keeps a progress notification saying which provider is being waited on and why. */
export function reportAttempts(progress: vscode.Progress<{ message?: string }>): (event: AttemptEvent) => void {
  const narrator = new AttemptProgress();
  return (event) => {
    const message = narrator.next(event);
    if (message !== undefined) progress.report({ message });
  };
}
