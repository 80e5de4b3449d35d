// Runs inside the playground's extension host (see playgroundScreenshots.mjs): drives VS Code through
// its API and asks the workbench bridge for a screenshot at each stage a README reader should see.
const vscode = require('vscode');

const BRIDGE = process.env.LLM_ROUTER_WORKBENCH_BRIDGE;
const ONLY = process.env.LLM_ROUTER_SCREENSHOT_ONLY;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function bridge(route, body) {
  const res = await fetch(`${BRIDGE}${route}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`bridge ${route}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function shoot(name) {
  if (ONLY && ONLY !== name) return;
  const { path } = await bridge('/screenshot', { name: `playground-${name}` });
  console.log(`saved ${path}`);
}

async function openAt(relativePath, line) {
  const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, relativePath);
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false, viewColumn: vscode.ViewColumn.One });
  const pos = new vscode.Position(line - 1, 4);
  editor.selection = new vscode.Selection(pos, pos);
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
  return editor;
}

exports.run = async () => {
  await vscode.extensions.getExtension('llm-router.llm-router').activate();
  await vscode.commands.executeCommand('workbench.action.closeSidebar');
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', 'llm-router.llm-router#llmRouter.gettingStarted', false);
  await bridge('/text', { selector: '.gettingStartedContainer', hasText: 'Get started with LLM Router', timeoutMs: 20000 });
  await pause(3000);
  await shoot('walkthrough');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await vscode.commands.executeCommand('workbench.view.explorer');

  await openAt('src/example.ts', 4);
  const suggestion = vscode.commands.executeCommand('llmRouter.suggestCode');
  // The review's actions live in the diff's title bar until the user decides.
  await bridge('/text', { selector: '.editor-group-container.active .editor-actions', hasText: 'Ask Again', timeoutMs: 30000 });
  await vscode.commands.executeCommand('notifications.clearAll');
  await pause(1500);
  await shoot('suggestion');
  await vscode.commands.executeCommand('llmRouter.review.discard');
  await suggestion;

  const editor = await openAt('src/example.ts', 1);
  await vscode.commands.executeCommand('llmRouter.analyzeFile');
  // The report opens beside the code; the squiggles and the Problems panel tell the story on their own.
  await vscode.commands.executeCommand('workbench.action.closeEditorsInOtherGroups');
  await vscode.window.showTextDocument(editor.document, { viewColumn: vscode.ViewColumn.One });
  await vscode.commands.executeCommand('workbench.actions.view.problems');
  await pause(2000);
  await shoot('analysis');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await vscode.commands.executeCommand('workbench.action.closePanel');

  await vscode.commands.executeCommand('llmRouter.simulateProviderFailure', { provider: 'sim-openai', mode: 'down' });
  await vscode.commands.executeCommand('llmRouter.openDashboard');
  for (const line of [3, 12, 21, 3, 12, 21]) {
    // A fresh question each time, so each one goes to the providers and not to the cache.
    await vscode.commands.executeCommand('llmRouter.clearCache');
    await openAt('src/example.ts', line);
    await vscode.commands.executeCommand('llmRouter.suggestCode', { apply: false });
  }
  await vscode.commands.executeCommand('llmRouter.openDashboard');
  await vscode.commands.executeCommand('notifications.clearAll');
  // As soon as it is drawn, before the breaker's 5 s wait lets a probe through (half-open).
  await bridge('/text', { selector: 'body', hasText: 'sim-claude', frames: ['iframe.webview', '#active-frame'], timeoutMs: 15000 });
  await pause(500);
  await shoot('outage');

  // Last, since it leaves an edit in the file.
  await vscode.commands.executeCommand('llmRouter.simulateProviderFailure', { provider: 'sim-openai', mode: 'healthy' });
  await vscode.commands.executeCommand('notifications.clearAll');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const end = await openAt('src/example.ts', 24);
  await end.edit((e) => e.insert(new vscode.Position(23, 0), '\nexport function '));
  end.selection = new vscode.Selection(new vscode.Position(24, 16), new vscode.Position(24, 16));
  await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  await bridge('/text', { selector: '.ghost-text-decoration, .ghost-text', timeoutMs: 15000 }).catch(() => undefined);
  await pause(1500);
  await shoot('inline');
};
