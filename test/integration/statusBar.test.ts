import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { read, requireBridge, screenshot, STATUS_ITEM } from './support/bridge';
import { emulatorsFor } from './support/emulators';
import { ask, configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { waitFor } from './support/waitFor';

/** What a person sees in the status bar item: its text, its accessible label, and whether it is tinted. */
async function statusItem(hasText: string) {
  const item = await read({ selector: STATUS_ITEM, hasText, attribute: 'class' });
  const label = await read({ selector: `${STATUS_ITEM} a`, attribute: 'aria-label' });
  const warningIcon = await read({ selector: `${STATUS_ITEM} .codicon-warning` });
  return { text: item.texts[0]?.trim(), classes: item.attributes?.[0] ?? '', label: label.attributes?.[0], warningIcon: warningIcon.texts.length > 0 };
}

describe('Status bar health', () => {
  const emu = emulatorsFor('main', 'reserve');

  before(async function () {
    requireBridge(this);
    await configure({
      ...FAST_SETTINGS,
      'retry.maxAttempts': 1,
      'breaker.consecutiveFailures': 2,
      providers: [
        { id: 'main', kind: 'openai-compatible', baseUrl: emu.main.baseUrl('openai-compatible'), model: 'main-model', priority: 1 },
        { id: 'reserve', kind: 'ollama', baseUrl: emu.reserve.baseUrl('ollama'), model: 'reserve-model', priority: 2 },
      ],
    });
    await freshState();
  });

  it('shows 2/2 without a warning tint while both providers are healthy', async () => {
    const item = await statusItem('2/2');

    assert.equal(item.text, '2/2');
    assert.equal(item.label, 'LLM Router: 2 of 2 providers healthy');
    assert.doesNotMatch(item.classes, /warning-kind|error-kind/);
    assert.equal(item.warningIcon, false);
    await screenshot('status-bar-healthy');
  });

  it('shows 1/2 with the warning icon and background once a breaker opens', async () => {
    const host = await routerHost();
    emu.main.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    for (const n of [1, 2]) assert.equal((await ask(host, `request ${n}`)).provider, 'reserve');
    assert.equal(host.engine.providers().find((p) => p.id === 'main')?.breaker.state, 'open');

    const item = await statusItem('1/2');

    assert.equal(item.text, '1/2');
    assert.equal(item.label, 'LLM Router: 1 of 2 providers healthy');
    assert.match(item.classes, /warning-kind/);
    assert.equal(item.warningIcon, true);
    await screenshot('status-bar-breaker-open');
  });

  it('goes back to 2/2 after LLM Router: Reset Circuit Breakers', async () => {
    await vscode.commands.executeCommand('llmRouter.resetBreakers');

    const item = await waitFor('the tint to go', async () => {
      const shown = await statusItem('2/2');
      return /warning-kind/.test(shown.classes) ? undefined : shown;
    });

    assert.equal(item.text, '2/2');
    assert.equal(item.warningIcon, false);
    const host = await routerHost();
    assert.equal((await ask(host, 'main again')).provider, 'main');
    await screenshot('status-bar-recovered');
  });
});
