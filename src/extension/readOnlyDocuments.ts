import * as vscode from 'vscode';

/** Read-only virtual documents on one URI scheme, whose text the extension sets (suggestions, reports). */
export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor(readonly scheme: string) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(scheme, this);
  }

  /** Sets (or replaces) the text at this path; an open editor showing it refreshes. */
  set(path: string, content: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: this.scheme, path: path.startsWith('/') ? path : `/${path}` });
    this.contents.set(uri.toString(), content);
    this.changed.fire(uri);
    return uri;
  }

  delete(uri: vscode.Uri): void {
    this.contents.delete(uri.toString());
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.contents.clear();
  }
}

/** Closes every tab showing one of these documents, alone or as a side of a diff. */
export async function closeTabsShowing(uris: vscode.Uri[]): Promise<void> {
  const wanted = new Set(uris.map((u) => u.toString()));
  const shows = (u: vscode.Uri) => wanted.has(u.toString());
  const tabs = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => (t.input instanceof vscode.TabInputTextDiff && (shows(t.input.modified) || shows(t.input.original))) || (t.input instanceof vscode.TabInputText && shows(t.input.uri)));
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
}
