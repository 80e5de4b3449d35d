import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { summarizeHealth, type HealthState } from '../../src/engine/health/providerHealth';
import type { DashboardInspection } from '../../src/extension/dashboard/dashboardPanel';
import { read, requireBridge, screenshot, STATUS_ITEM, statusTooltip, WEBVIEW_FRAMES } from './support/bridge';
import { emulatorsFor } from './support/emulators';
import { ask, configure, FAST_SETTINGS, freshState, routerHost } from './support/router';
import { waitFor } from './support/waitFor';

const BADGE_LABEL: Record<HealthState, string> = { healthy: 'Healthy', degraded: 'Degraded', unavailable: 'Unavailable', unknown: 'Unknown', isolated: 'Isolated' };

interface Surfaces {
  statusText: string;
  statusLabel: string;
  tinted: boolean;
  tooltip: string;
  headline: string;
  badges: string[];
  badgeTitles: string[];
}

/** What a person sees on each surface: the status bar item, its tooltip (hovered), and the dashboard's page. */
async function surfaces(): Promise<Surfaces> {
  const item = await read({ selector: STATUS_ITEM, attribute: 'class' });
  const label = await read({ selector: `${STATUS_ITEM} a`, attribute: 'aria-label' });
  const tooltip = await statusTooltip('providers healthy');
  const headline = await read({ frames: WEBVIEW_FRAMES, selector: '[data-testid="health-headline"]' });
  const badges = await read({ frames: WEBVIEW_FRAMES, selector: '[data-provider] [data-field="state"]', attribute: 'title' });
  return {
    statusText: item.texts[0]?.trim() ?? '',
    statusLabel: label.attributes?.[0] ?? '',
    tinted: /warning-kind|error-kind/.test(item.attributes?.[0] ?? ''),
    tooltip: tooltip.join('\n'),
    headline: headline.texts[0]?.trim() ?? '',
    badges: badges.texts.map((t) => t.trim()),
    badgeTitles: (badges.attributes ?? []).map((t) => t ?? ''),
  };
}

/**
 * Waits until the engine's health is `expected` and every surface shows exactly that verdict: the same count,
 * the same state per provider and the same reason; returns what was shown.
 */
async function agreeOn(expected: Record<string, HealthState>, tinted: boolean): Promise<Surfaces> {
  const host = await routerHost();
  return waitFor(
    `status bar, tooltip and dashboard to agree on ${JSON.stringify(expected)}`,
    async () => {
      const health = host.providers().map((p) => ({ id: p.id, ...p.health }));
      assert.deepEqual(Object.fromEntries(health.map((h) => [h.id, h.state])), expected, 'the engine says');
      const summary = summarizeHealth(health.map((h) => h.state));
      const shown = await surfaces();
      assert.equal(shown.statusText, `${summary.healthy}/${summary.total}`);
      assert.equal(shown.statusLabel, `LLM Router: ${summary.headline}`);
      assert.equal(shown.tinted, tinted, 'status bar tint');
      assert.match(shown.tooltip, new RegExp(summary.headline));
      for (const h of health) assert.ok(shown.tooltip.includes(h.reason), `the tooltip gives ${h.id}'s reason "${h.reason}": ${shown.tooltip}`);
      assert.equal(shown.headline, summary.headline);
      assert.deepEqual(shown.badges, health.map((h) => BADGE_LABEL[h.state]));
      assert.deepEqual(shown.badgeTitles, health.map((h) => h.reason), 'each badge explains itself on hover');
      return shown;
    },
    15_000,
  );
}

describe('Provider health: the status bar, its tooltip and the dashboard agree', () => {
  // Ids no other suite (or earlier run) used, so nothing has answered for them before this suite.
  const tag = Date.now().toString(36);
  const [A, B] = [`first-${tag}`, `second-${tag}`];
  const emu = emulatorsFor(A, B);

  before(async function () {
    requireBridge(this);
    await configure({
      ...FAST_SETTINGS,
      'retry.maxAttempts': 1,
      'breaker.consecutiveFailures': 2,
      providers: [
        { id: A, kind: 'openai-compatible', baseUrl: emu[A].baseUrl('openai-compatible'), model: 'first-model', priority: 1 },
        { id: B, kind: 'ollama', baseUrl: emu[B].baseUrl('ollama'), model: 'second-model', priority: 2 },
      ],
    });
    await freshState();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('llmRouter.openDashboard');
    await waitFor('the dashboard to be live', async () => (await vscode.commands.executeCommand<DashboardInspection>('llmRouter.dashboard.inspect')).live);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('calls providers that never answered unknown: 0/2, untinted, "No answer yet" everywhere', async () => {
    const shown = await agreeOn({ [A]: 'unknown', [B]: 'unknown' }, false);

    assert.equal(shown.statusText, '0/2');
    assert.deepEqual(shown.badgeTitles, ['No answer yet', 'No answer yet']);
    await screenshot('health-fresh');
  });

  it('calls a provider healthy once it answered: 1/2', async () => {
    const host = await routerHost();
    assert.equal((await ask(host, 'hello')).provider, A);

    const shown = await agreeOn({ [A]: 'healthy', [B]: 'unknown' }, false);

    assert.equal(shown.statusText, '1/2');
    assert.match(shown.badgeTitles[0], /^Last answered at \d\d:\d\d:\d\d$/);
  });

  it('calls a provider whose last request failed degraded, not healthy, and tints the item', async () => {
    const host = await routerHost();
    emu[A].enqueue({ type: 'status', status: 503 });
    assert.equal((await ask(host, 'fails on the first')).provider, B);

    const shown = await agreeOn({ [A]: 'degraded', [B]: 'healthy' }, true);

    assert.equal(shown.statusText, '1/2');
    assert.match(shown.badgeTitles[0], /^Last request failed at \d\d:\d\d:\d\d: server error — /);
    await screenshot('health-after-failure');
  });

  it('calls a provider with an open breaker unavailable, saying until when', async () => {
    const host = await routerHost();
    emu[A].enqueue({ type: 'status', status: 503 });
    assert.equal((await ask(host, 'opens the breaker')).provider, B);
    assert.equal(host.providers().find((p) => p.id === A)?.breaker.state, 'open');

    const shown = await agreeOn({ [A]: 'unavailable', [B]: 'healthy' }, true);

    assert.match(shown.badgeTitles[0], /^Breaker open until \d\d:\d\d:\d\d after 2 consecutive server error failures$/);
    await screenshot('health-breaker-open');
  });

  it('is 2/2 and untinted again after LLM Router: Reset Circuit Breakers, and the first provider serves again', async () => {
    await vscode.commands.executeCommand('llmRouter.resetBreakers');

    const shown = await agreeOn({ [A]: 'healthy', [B]: 'healthy' }, false);

    assert.equal(shown.statusText, '2/2');
    const host = await routerHost();
    assert.equal((await ask(host, 'the first again')).provider, A);
  });
});
