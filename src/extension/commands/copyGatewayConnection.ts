import * as vscode from 'vscode';
import type { EditorGateway } from '../gateway/editorGateway';

interface ConnectionItem extends vscode.QuickPickItem {
  text: (url: string, token: string) => string;
  holdsToken: boolean;
}

const ITEMS: ConnectionItem[] = [
  { label: 'OpenAI base URL', detail: 'Continue, Cline, Aider, Codex CLI and the openai SDKs', text: (url) => `${url}/v1`, holdsToken: false },
  { label: 'Anthropic base URL', detail: 'Claude Code and the Anthropic SDKs', text: (url) => url, holdsToken: false },
  { label: 'Token', detail: 'the API key those tools send (Authorization: Bearer, or x-api-key)', text: (_url, token) => token, holdsToken: true },
  {
    label: 'Environment for Claude Code',
    detail: 'ANTHROPIC_BASE_URL and ANTHROPIC_AUTH_TOKEN lines',
    text: (url, token) => `ANTHROPIC_BASE_URL=${url}\nANTHROPIC_AUTH_TOKEN=${token}\n`,
    holdsToken: true,
  },
];

/** Copies what another tool needs to reach this window's gateway; the token goes only to the clipboard, never to a log or a return value. */
export function registerCopyGatewayConnection(gateway: EditorGateway): vscode.Disposable {
  return vscode.commands.registerCommand('llmRouter.copyGatewayConnection', async () => {
    const connection = await gateway.connection();
    if (!connection) {
      const status = gateway.status;
      const why = status.state === 'failed' ? status.message : 'The gateway is off: turn on llmRouter.gateway.enabled in your user settings.';
      const choice = await vscode.window.showWarningMessage(`LLM Router: ${why}`, 'Open Settings');
      if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'llmRouter.gateway');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      ITEMS.map((item) => ({ ...item, description: item.holdsToken ? undefined : item.text(connection.url, '') })),
      { title: 'LLM Router: Copy Gateway Connection', placeHolder: `The gateway on ${connection.url}: what to copy` },
    );
    if (!picked) return;
    await vscode.env.clipboard.writeText(picked.text(connection.url, connection.token));
    const warning = picked.holdsToken ? ' It holds the token: paste it only where the tool reads it.' : '';
    void vscode.window.showInformationMessage(`LLM Router: copied "${picked.label}".${warning}`);
  });
}
