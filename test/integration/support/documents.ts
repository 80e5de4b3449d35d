import * as vscode from 'vscode';

export function workspaceFile(relativePath: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests need a workspace folder (run them through test/integration/runAll.mjs)');
  return vscode.Uri.joinPath(folder.uri, relativePath);
}

/** Opens a workspace file in the active editor, with the file's text as on disk. */
export async function openFile(relativePath: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceFile(relativePath));
  const editor = await vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.One });
  if (document.isDirty) await vscode.commands.executeCommand('workbench.action.files.revert');
  return editor;
}

/** Selects the first occurrence of `snippet`, as a person dragging over it would. */
export function select(editor: vscode.TextEditor, snippet: string): vscode.Range {
  const offset = editor.document.getText().indexOf(snippet);
  if (offset < 0) throw new Error(`'${snippet.slice(0, 40)}…' is not in ${editor.document.uri.path}`);
  const range = new vscode.Range(editor.document.positionAt(offset), editor.document.positionAt(offset + snippet.length));
  editor.selection = new vscode.Selection(range.start, range.end);
  return range;
}

/** Throws away unsaved edits of the editor's document. */
export async function revert(editor: vscode.TextEditor): Promise<void> {
  await vscode.window.showTextDocument(editor.document, { preview: false, viewColumn: editor.viewColumn });
  await vscode.commands.executeCommand('workbench.action.files.revert');
}
