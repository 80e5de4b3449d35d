import * as vscode from 'vscode';

const SHOW_FINDING_COMMAND = 'llmRouter.showFinding';

const STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px; line-height: 1.5; }
h1 { font-size: 1.4em; font-weight: 600; margin: 16px 0 4px; }
.meta { color: var(--vscode-descriptionForeground); margin: 0 0 12px; }
.findings { padding-left: 0; list-style: none; }
.findings li { margin: 0 0 10px; padding-left: 10px; border-left: 3px solid var(--vscode-editorInfo-foreground); }
.findings li.error { border-left-color: var(--vscode-editorError-foreground); }
.findings li.warning { border-left-color: var(--vscode-editorWarning-foreground); }
.severity { font-weight: 600; text-transform: uppercase; font-size: 0.85em; }
a { color: var(--vscode-textLink-foreground); }
code { font-family: var(--vscode-editor-font-family); background: var(--vscode-textCodeBlock-background); padding: 0 3px; border-radius: 3px; }
pre { background: var(--vscode-textCodeBlock-background); padding: 6px 8px; overflow-x: auto; }
pre code { padding: 0; background: none; }
`;

/** One panel beside the code showing the latest analysis report; its line links run SHOW_FINDING_COMMAND. */
export class ReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly command = vscode.commands.registerCommand(SHOW_FINDING_COMMAND, (uri: string, line: number) => showLine(vscode.Uri.parse(uri), line));

  /** A link target that opens the analysed file at a 1-based line. */
  static lineLink(uri: vscode.Uri, line: number): string {
    return `command:${SHOW_FINDING_COMMAND}?${encodeURIComponent(JSON.stringify([uri.toString(), line]))}`;
  }

  show(title: string, bodyHtml: string): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('llmRouter.analysisReport', title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
        enableCommandUris: [SHOW_FINDING_COMMAND],
        enableScripts: false,
        localResourceRoots: [],
      });
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    }
    this.panel.title = title;
    this.panel.webview.html = `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';"><style>${STYLE}</style></head><body>${bodyHtml}</body></html>`;
  }

  dispose(): void {
    this.panel?.dispose();
    this.command.dispose();
  }
}

async function showLine(uri: vscode.Uri, line: number): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const at = new vscode.Position(Math.max(0, Math.min(document.lineCount - 1, line - 1)), 0);
  const shown = vscode.window.visibleTextEditors.find((e) => e.document === document);
  await vscode.window.showTextDocument(document, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One, selection: new vscode.Range(at, at) });
}
