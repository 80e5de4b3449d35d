import * as vscode from 'vscode';
import type { ProviderStatus } from '../engine/engine';
import type { RouterHost } from './routerHost';

const REFRESH_MS = 250;

type Health = 'healthy' | 'degraded' | 'down';

/** `$(pulse) 3/4`: how many providers can take requests now; colour and icon say degraded or down. */
export function healthOf(providers: ProviderStatus[], now = Date.now()): { up: number; total: number; health: Health } {
  const up = providers.filter((p) => p.breaker.state === 'closed' && !(p.coolingDownUntil && p.coolingDownUntil > now)).length;
  const total = providers.length;
  return { up, total, health: up === total ? 'healthy' : up === 0 ? 'down' : 'degraded' };
}

const STATE_ICON: Record<ProviderStatus['breaker']['state'], string> = {
  closed: '$(pass-filled)',
  'half-open': '$(sync)',
  open: '$(error)',
  isolated: '$(circle-slash)',
};

export function registerStatusBar(host: RouterHost): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('llmRouter.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'LLM Router';
  item.command = 'llmRouter.openDashboard';
  let timer: NodeJS.Timeout | undefined;

  const render = () => {
    timer = undefined;
    const providers = host.engine.providers();
    const { up, total, health } = healthOf(providers);
    item.text = `${health === 'healthy' ? '$(pulse)' : health === 'degraded' ? '$(warning)' : '$(error)'} ${up}/${total}`;
    item.backgroundColor = health === 'healthy' ? undefined : new vscode.ThemeColor(health === 'down' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
    item.accessibilityInformation = { label: `LLM Router: ${up} of ${total} providers healthy`, role: 'button' };
    item.tooltip = tooltip(host, providers, up, total);
    item.show();
  };
  const schedule = () => {
    timer ??= setTimeout(render, REFRESH_MS);
  };

  render();
  const unsubscribe = host.engine.events.subscribe((e) => {
    if (e.type === 'breaker' || e.type === 'request-finished' || e.type === 'fallback') schedule();
  });
  // Open breakers turn half-open and Retry-After waits expire with no event; a slow tick catches those.
  const tick = setInterval(schedule, 5_000);
  const configSub = host.onDidChangeConfig(schedule);
  return new vscode.Disposable(() => {
    unsubscribe();
    clearInterval(tick);
    if (timer) clearTimeout(timer);
    configSub.dispose();
    item.dispose();
  });
}

function tooltip(host: RouterHost, providers: ProviderStatus[], up: number, total: number): vscode.MarkdownString {
  const metrics = host.engine.metrics.snapshot('5m');
  const costs = host.engine.costs.summary().today;
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['llmRouter.openDashboard', 'llmRouter.resetBreakers', 'llmRouter.showLog', 'llmRouter.setApiKey'] };
  md.appendMarkdown(`**LLM Router** — ${up} of ${total} providers healthy\n\n`);
  md.appendMarkdown('| | provider | state | p95 (5 min) | today |\n|---|---|---|---:|---:|\n');
  for (const p of providers) {
    const p95 = metrics.providers[p.id]?.latency.p95;
    const cost = costs.providers[p.id]?.costUsd;
    const cooling = p.coolingDownUntil && p.coolingDownUntil > Date.now() ? ' (rate-limited)' : '';
    md.appendMarkdown(`| ${STATE_ICON[p.breaker.state]} | ${escape(p.id)} | ${p.breaker.state}${cooling} | ${p95 === null || p95 === undefined ? '—' : `${Math.round(p95)} ms`} | ${cost === undefined ? '$0.00' : `$${cost.toFixed(4)}`} |\n`);
  }
  md.appendMarkdown('\n[$(pulse) Open Dashboard](command:llmRouter.openDashboard) · [$(debug-restart) Reset Breakers](command:llmRouter.resetBreakers) · [$(output) Show Log](command:llmRouter.showLog)');
  return md;
}

function escape(s: string): string {
  return s.replace(/[|\\`*_[\]]/g, (c) => `\\${c}`);
}
