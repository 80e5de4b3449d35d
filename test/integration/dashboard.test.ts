import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DashboardInspection } from '../../src/extension/dashboard/dashboardPanel';
import { read, requireBridge, screenshot, WEBVIEW_FRAMES } from './support/bridge';
import { emulatorsFor } from './support/emulators';
import { ask, configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { waitFor } from './support/waitFor';

const inspect = () => vscode.commands.executeCommand<DashboardInspection>('llmRouter.dashboard.inspect');

describe('Dashboard', () => {
  const emu = emulatorsFor('north', 'south');

  before(async () => {
    await configure({
      ...FAST_SETTINGS,
      providers: [
        { id: 'north', kind: 'openai-compatible', baseUrl: emu.north.baseUrl('openai-compatible'), model: 'north-model', priority: 1 },
        { id: 'south', kind: 'ollama', baseUrl: emu.south.baseUrl('ollama'), model: 'south-model', priority: 2 },
      ],
    });
    await freshState();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens with llmRouter.openDashboard and receives a snapshot of the configured providers', async () => {
    await vscode.commands.executeCommand('llmRouter.openDashboard');

    const i = await waitFor('the webview to say it is ready', async () => {
      const shown = await inspect();
      return shown.live && shown.lastSnapshot ? shown : undefined;
    });
    assert.equal(i.visible, true);
    assert.deepEqual(
      i.lastSnapshot?.providers.map((p) => [p.id, p.model, p.baseUrl, p.breaker.state]),
      [
        ['north', 'north-model', emu.north.baseUrl('openai-compatible'), 'closed'],
        ['south', 'south-model', emu.south.baseUrl('ollama'), 'closed'],
      ],
    );
  });

  it('sends the webview deltas as requests reach the emulators', async () => {
    const host = await routerHost();
    const before = await inspect();

    await ask(host, 'one');

    const after = await waitFor('a delta after the request', async () => {
      const shown = await inspect();
      return (shown.deltasSent ?? 0) > (before.deltasSent ?? 0) && shown.lastDelta ? shown : undefined;
    });
    assert.ok((after.lastDelta?.seq ?? 0) > (after.lastSnapshot?.seq ?? 0), 'the delta follows the snapshot');
    assert.equal(emu.north.requests.length, 1);
  });

  it('shows the providers, their live figures and a fallback on the page a person sees', async function () {
    requireBridge(this);
    const host = await routerHost();
    emu.north.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    assert.equal((await ask(host, 'two')).provider, 'south');

    const { texts } = await read({ frames: WEBVIEW_FRAMES, selector: '#app', hasText: 'Fell back from north to south (server error)' });

    const page = texts.join('\n');
    assert.match(page, /openai-compatible · north-model/);
    assert.match(page, /ollama · south-model/);
    assert.match(page, /\d of 2 providers? healthy/);
    const northRequests = /Providers\s+north\b[\s\S]*?\nRequests\s+(\d+)/.exec(page)?.[1];
    assert.ok(Number(northRequests) >= 2, `north's card counts its requests (shows ${northRequests})`);
    assert.match(page, /server error/);
    await screenshot('dashboard');
  });

  it('loads its page under a Content-Security-Policy without unsafe-inline or unsafe-eval, scripts by nonce only', async function () {
    requireBridge(this);
    const { attributes } = await read({ frames: WEBVIEW_FRAMES, selector: 'meta[http-equiv="Content-Security-Policy"]', attribute: 'content' });
    assert.equal(attributes?.length, 1, 'exactly one CSP meta tag');
    const csp = attributes?.[0] ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|\*(?!\.)/, csp);
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src')?.length, 1);
    assert.match(directives.get('script-src')?.[0] ?? '', /^'nonce-[A-Za-z0-9+/=]{16,}'$/);
  });
});
