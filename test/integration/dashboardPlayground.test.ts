import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DashboardInspection } from '../../src/extension/dashboard/dashboardPanel';
import { PLAYGROUND_CONTROL_ENV } from '../../src/extension/playground/playgroundControl';
import { PLAYGROUND_KEY_ENV, PLAYGROUND_KEY_VALUE, startPlaygroundFleet, type PlaygroundFleet } from '../emulator/playgroundFleet';
import { click, read, requireBridge, screenshot, WEBVIEW_FRAMES } from './support/bridge';
import { ask, configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { waitFor } from './support/waitFor';

const inspect = () => vscode.commands.executeCommand<DashboardInspection>('llmRouter.dashboard.inspect');
const card = (id: string, inner = '') => `[data-provider="${id}"] ${inner}`.trim();

describe('Dashboard in the playground: a failure switch on each simulated provider', () => {
  let fleet: PlaygroundFleet;

  before(async () => {
    fleet = await startPlaygroundFleet({ chunkDelayMs: 0 });
    // npm start puts both in the window's environment; the dashboard reads the control when it is shown.
    process.env[PLAYGROUND_CONTROL_ENV] = fleet.control;
    process.env[PLAYGROUND_KEY_ENV] = PLAYGROUND_KEY_VALUE;
    await configure({ ...FAST_SETTINGS, providers: fleet.providers });
    await freshState();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    delete process.env[PLAYGROUND_CONTROL_ENV];
    delete process.env[PLAYGROUND_KEY_ENV];
    await fleet?.close();
  });

  it("switching sim-openai to Down on its card breaks it: the next request falls back, and the card shows why", async function () {
    requireBridge(this);
    const host = await routerHost();
    await vscode.commands.executeCommand('llmRouter.openDashboard');
    const shown = await waitFor('the playground switches to reach the dashboard', async () => ((await inspect()).lastPlayground ? inspect() : undefined));
    assert.deepEqual(shown.lastPlayground?.providers.map((p) => [p.id, p.mode]), fleet.providers.map((p) => [p.id, 'healthy']));

    await read({ selector: card('sim-openai', '[data-field="playground"] .chip'), hasText: 'Down', frames: WEBVIEW_FRAMES });
    await click({ selector: card('sim-openai', '[data-field="playground"] .chip[data-mode="down"]'), frames: WEBVIEW_FRAMES });
    await waitFor('the simulated provider to go down', () => fleet.modeOf('sim-openai') === 'down');
    await read({ selector: card('sim-openai', '.chip[aria-pressed="true"]'), hasText: 'Down', frames: WEBVIEW_FRAMES });

    const answer = await ask(host, 'anyone there?');
    assert.notEqual(answer.provider, 'sim-openai');
    const { texts } = await read({ selector: card('sim-openai', '[data-field="last-error-message"]'), hasText: '503', frames: WEBVIEW_FRAMES });
    assert.match(texts[0], /^Provider 'sim-openai': 503 Service Unavailable at 127\.0\.0\.1:\d+ — the service is having trouble; try again shortly$/);
    const setKey = await read({ selector: card('sim-ollama', '[data-action="set-key"]'), attribute: 'hidden', frames: WEBVIEW_FRAMES });
    assert.deepEqual(setKey.attributes, [''], 'a local Ollama is sent no key: no Set key');
    await screenshot('dashboard-playground');

    await click({ selector: card('sim-openai', '.chip[data-mode="healthy"]'), frames: WEBVIEW_FRAMES });
    await waitFor('the simulated provider to recover', () => fleet.modeOf('sim-openai') === 'healthy');
  });
});
