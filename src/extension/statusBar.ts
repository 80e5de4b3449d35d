import * as vscode from 'vscode';
import type { Alert } from '../engine/alerts/alertTypes';
import type { ProviderStatus } from '../engine/engine';
import { summarizeHealth, type HealthState, type HealthSummary, type OverallHealth } from '../engine/health/providerHealth';
import type { EditorGateway, EditorGatewayStatus } from './gateway/editorGateway';
import type { RouterHost } from './routerHost';

const REFRESH_MS = 250;

const OVERALL_ICON: Record<OverallHealth, string> = { healthy: '$(pulse)', unknown: '$(pulse)', degraded: '$(warning)', down: '$(error)' };

const STATE_ICON: Record<HealthState, string> = {
  healthy: '$(pass-filled)',
  degraded: '$(warning)',
  unavailable: '$(error)',
  unknown: '$(question)',
  isolated: '$(circle-slash)',
};

const TOOLTIP_COMMANDS = ['llmRouter.suggestCode', 'llmRouter.analyzeFile', 'llmRouter.openDashboard', 'llmRouter.resetBreakers', 'llmRouter.showLog', 'llmRouter.copyGatewayConnection'];

/** `$(pulse) 1/2`: how many providers are healthy, by the engine's one definition of health (see providerHealth). */
function statusText(summary: HealthSummary): string {
  return `${OVERALL_ICON[summary.overall]} ${summary.healthy}/${summary.total}`;
}

export function registerStatusBar(host: RouterHost, gateway: EditorGateway): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('llmRouter.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'LLM Router';
  item.command = 'llmRouter.openDashboard';
  let timer: NodeJS.Timeout | undefined;

  const render = () => {
    timer = undefined;
    if (host.configProblem) return renderInvalid(item, host.configProblem);
    item.command = 'llmRouter.openDashboard';
    const providers = host.providers();
    const summary = summarizeHealth(providers.map((p) => p.health.state));
    const alerts = host.alerts();
    item.text = statusText(summary);
    item.backgroundColor =
      summary.overall === 'down' ? new vscode.ThemeColor('statusBarItem.errorBackground') : summary.overall === 'degraded' || alerts.length > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.accessibilityInformation = { label: `LLM Router: ${summary.headline}`, role: 'button' };
    item.tooltip = tooltip(host, providers, summary, alerts, gateway.status);
    item.show();
  };
  const schedule = () => {
    timer ??= setTimeout(render, REFRESH_MS);
  };

  render();
  const unsubscribe = host.onEvent((e) => {
    if (e.type === 'breaker' || e.type === 'request-finished' || e.type === 'fallback' || e.type === 'alert') schedule();
  });
  // Open breakers turn half-open and Retry-After waits expire with no event; a slow tick catches those.
  const tick = setInterval(schedule, 5_000);
  const configSub = host.onDidChangeConfig(schedule);
  const gatewaySub = gateway.onDidChange(schedule);
  return new vscode.Disposable(() => {
    unsubscribe();
    clearInterval(tick);
    if (timer) clearTimeout(timer);
    configSub.dispose();
    gatewaySub.dispose();
    item.dispose();
  });
}

/** Stays until a valid configuration applies, so a misspelt field cannot go unnoticed. */
function renderInvalid(item: vscode.StatusBarItem, problem: NonNullable<RouterHost['configProblem']>): void {
  item.text = '$(error) LLM Router: invalid settings';
  item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  item.command = 'workbench.action.openSettingsJson';
  item.accessibilityInformation = { label: `LLM Router: invalid configuration at ${problem.path}; click to open settings.json`, role: 'button' };
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['workbench.action.openSettingsJson', 'llmRouter.showLog'] };
  md.appendMarkdown(`**LLM Router: invalid configuration**\n\n${escape(problem.path)}: ${escape(problem.message)}`);
  if (problem.more > 0) md.appendMarkdown(` (and ${problem.more} more in the log)`);
  md.appendMarkdown('\n\nNone of it is applied; the last valid configuration stays active until this is fixed.\n\n');
  md.appendMarkdown('[$(json) Open settings.json](command:workbench.action.openSettingsJson) · [$(output) Show Log](command:llmRouter.showLog)');
  item.tooltip = md;
  item.show();
}

function tooltip(host: RouterHost, providers: ProviderStatus[], summary: HealthSummary, alerts: readonly Alert[], gateway: EditorGatewayStatus): vscode.MarkdownString {
  const metrics = host.metricsSnapshot('5m');
  const costs = host.costSummary().today;
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: TOOLTIP_COMMANDS };
  md.appendMarkdown(`**LLM Router** — ${summary.headline}\n\n`);
  if (alerts.length > 0) md.appendMarkdown(`$(bell-dot) **${alerts.length} alert${alerts.length === 1 ? '' : 's'}**: ${alerts.map((a) => escape(a.message)).join(' · ')}\n\n`);
  md.appendMarkdown('| | provider | health | why | p95 (5 min) | today |\n|---|---|---|---|---:|---:|\n');
  for (const p of providers) {
    const p95 = metrics.providers[p.id]?.latency.p95;
    const cost = costs.providers[p.id]?.costUsd;
    const cells = [STATE_ICON[p.health.state], escape(p.id), p.health.state, escape(p.health.reason), p95 === null || p95 === undefined ? '—' : `${Math.round(p95)} ms`, cost === undefined ? '$0.00' : `$${cost.toFixed(4)}`];
    md.appendMarkdown(`| ${cells.join(' | ')} |\n`);
  }
  const gatewayLine = gatewayText(gateway);
  if (gatewayLine) md.appendMarkdown(`\n${gatewayLine}\n`);
  md.appendMarkdown(
    '\n[$(sparkle) Suggest Code](command:llmRouter.suggestCode) · [$(search) Analyze File](command:llmRouter.analyzeFile) · [$(pulse) Open Dashboard](command:llmRouter.openDashboard)' +
      ' · [$(debug-restart) Reset Breakers](command:llmRouter.resetBreakers) · [$(output) Show Log](command:llmRouter.showLog)',
  );
  return md;
}

/** The gateway's address while it runs (tools connect there), or why it is not running. */
function gatewayText(status: EditorGatewayStatus): string | undefined {
  const copy = '[$(copy) Copy Connection](command:llmRouter.copyGatewayConnection)';
  if (status.state === 'running') return `$(plug) Gateway on ${status.url} (OpenAI: \`${status.url}/v1\`) · ${copy}`;
  if (status.state === 'elsewhere') return `$(plug) Gateway on ${status.url}, served by another window or \`llm-router serve\` · ${copy}`;
  if (status.state === 'failed') return `$(warning) Gateway not running: ${escape(status.message)}`;
  return undefined;
}

function escape(s: string): string {
  return s.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}
