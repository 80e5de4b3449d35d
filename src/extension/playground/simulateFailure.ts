import * as vscode from 'vscode';
import { afterSwitchHint, PlaygroundControl, type PlaygroundState } from './playgroundControl';

const WALKTHROUGH_ID = 'llm-router.llm-router#llmRouter.gettingStarted';
const WALKTHROUGH_SHOWN_KEY = 'llmRouter.playground.walkthroughShown';

export interface SimulateFailureArgs {
  provider?: string;
  mode?: string;
}

/** The walkthrough's "Open example.ts"; running it also ticks the walkthrough's first step. */
export const OPEN_EXAMPLE_COMMAND = 'llmRouter.openExample';
const EXAMPLE_FILE = 'src/example.ts';

/** In the playground only: the command that breaks a simulated provider, and the walkthrough on first start. */
export function registerPlayground(context: vscode.ExtensionContext): vscode.Disposable {
  const openExample = vscode.commands.registerCommand(OPEN_EXAMPLE_COMMAND, openExampleFile);
  const control = PlaygroundControl.fromEnvironment();
  const contextSet = vscode.commands.executeCommand('setContext', 'llmRouter.playground', control !== undefined);
  if (!control) return openExample;
  if (!context.globalState.get(WALKTHROUGH_SHOWN_KEY)) {
    void context.globalState.update(WALKTHROUGH_SHOWN_KEY, true);
    // After the context key, so the walkthrough's "Try it without keys" step can show as done.
    void contextSet.then(() => vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false));
  }
  return vscode.Disposable.from(
    openExample,
    vscode.commands.registerCommand('llmRouter.simulateProviderFailure', (args?: SimulateFailureArgs) => simulateFailure(control, args ?? {})),
  );
}

/** Opens the sample workspace's src/example.ts; in another folder, Quick Open looking for it. */
async function openExampleFile(): Promise<vscode.TextEditor | undefined> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const uri = vscode.Uri.joinPath(folder.uri, EXAMPLE_FILE);
    const found = await vscode.workspace.fs.stat(uri).then(
      () => true,
      () => false,
    );
    if (found) return vscode.window.showTextDocument(uri, { preview: false });
  }
  await vscode.commands.executeCommand('workbench.action.quickOpen', 'example.ts');
  return undefined;
}

/** Resolves with the mode set, or undefined when cancelled or the playground did not answer. */
async function simulateFailure(control: PlaygroundControl, args: SimulateFailureArgs): Promise<string | undefined> {
  try {
    const state = await control.state();
    const provider =
      args.provider ??
      (
        await vscode.window.showQuickPick(
          state.providers.map((p) => ({ label: p.id, description: `${p.kind} · now ${labelOf(state, p.mode)}`, id: p.id })),
          { title: 'LLM Router: Simulate Provider Failure', placeHolder: 'Which simulated provider?' },
        )
      )?.id;
    if (!provider) return undefined;
    const mode =
      args.mode ??
      (
        await vscode.window.showQuickPick(
          state.modes.map((m) => ({ label: m.label, detail: m.detail, id: m.id })),
          { title: `LLM Router: make '${provider}'…`, placeHolder: 'How should it behave from now on?' },
        )
      )?.id;
    if (!mode) return undefined;
    await control.setMode(provider, mode);
    const what = mode === 'healthy' ? 'answers normally again' : `is now ${labelOf(state, mode).toLowerCase()}: it ${state.modes.find((m) => m.id === mode)?.detail}`;
    void vscode.window
      .showInformationMessage(`LLM Router playground: '${provider}' ${what}.${afterSwitchHint(mode)}`, 'Open Dashboard')
      .then((choice) => choice && vscode.commands.executeCommand('llmRouter.openDashboard'));
    return mode;
  } catch (err) {
    void vscode.window.showErrorMessage(`LLM Router playground: could not switch the simulated provider: ${(err as Error).message}. Is npm start still running?`);
    return undefined;
  }
}

function labelOf(state: PlaygroundState, mode: string): string {
  return state.modes.find((m) => m.id === mode)?.label ?? mode;
}
