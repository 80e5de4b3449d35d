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
    detail: 'export lines: ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN, and the model "auto" for each of its model choices',
    text: claudeCodeEnvironment,
    holdsToken: true,
  },
];

/** Claude Code's documented variables (code.claude.com/docs/en/env-vars, model-config); an ANTHROPIC_API_KEY would win over the token, so it is unset. */
function claudeCodeEnvironment(url: string, token: string): string {
  const models = ['ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL'].map((name) => `export ${name}=auto`);
  return [`export ANTHROPIC_BASE_URL=${url}`, `export ANTHROPIC_AUTH_TOKEN=${token}`, 'unset ANTHROPIC_API_KEY', ...models, ''].join('\n');
}

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
