import type { Dispatcher } from 'undici';
import * as vscode from 'vscode';
import type { Alert } from '../engine/alerts/alertTypes';
import type { RouterConfig } from '../engine/config/schema';
import { parseConfig } from '../engine/config/loadConfig';
import { RouterEngine, type ChatOptions, type ProviderStatus, type VerdictInput } from '../engine/engine';
import type { QualityRank } from '../engine/quality/qualityRegistry';
import type { CacheStats } from '../engine/cache/responseCache';
import type { CostSummary } from '../engine/cost/costAccounting';
import type { EngineEventListener } from '../engine/events';
import type { HistoryPoint, MetricsSnapshot, MetricsWindow } from '../engine/metrics/metricsTypes';
import { userFolders } from '../engine/state/userFolders';
import type { ChatRequest, ChatResult } from '../engine/types';
import { EndpointApproval } from './endpointApproval';
import { KeyStore } from './keyStore';
import { PROXY_SETTINGS, proxyDispatcher } from './proxy';
import { RequestLog } from './requestLog';
import { DEFAULT_PROVIDER, readSettings, SECTION } from './settings';

export interface RunOptions extends Omit<ChatOptions, 'signal'> {
  token?: vscode.CancellationToken;
}

/**
 * Owns the engine for the window: builds it from settings, applies changes live (keeping the last valid
 * configuration when a change is invalid), resolves keys, and logs every request.
 */
export class RouterHost implements vscode.Disposable {
  private readonly engine: RouterEngine;
  readonly keys: KeyStore;
  readonly log: RequestLog;
  usingDefaultProvider = false;
  /** The settings' first problem while they are invalid (the last valid configuration stays in force); cleared once valid ones apply. */
  configProblem: { path: string; message: string; more: number } | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeConfig = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private explainedDefault = false;
  private proxyClient: Dispatcher | undefined;
  private closing?: Promise<void>;

  constructor(
    context: vscode.ExtensionContext,
    readonly channel: vscode.LogOutputChannel,
  ) {
    this.keys = new KeyStore(context.secrets, new EndpointApproval(context.globalState));
    this.log = new RequestLog(channel, () => this.engine.config.log.includePrompts);
    const initial = this.readValidSettings() ?? parseConfig({ providers: [DEFAULT_PROVIDER] }).config;
    this.proxyClient = proxyDispatcher(initial.timeouts.connectMs, (message) => channel.warn(message));
    this.engine = new RouterEngine({
      config: initial,
      // Spend, budgets, metrics and breakers are the user's, across windows and the CLI; cached answers are about this workspace.
      stateDir: userFolders().state,
      cacheDir: (context.storageUri ?? context.globalStorageUri).fsPath,
      resolveKey: (p) => this.keys.resolve(p),
      dispatcher: this.proxyClient,
      warn: (message) => channel.warn(message),
      backgroundProbes: true,
    });
    this.disposables.push(
      this.keys,
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) this.reload();
        // After reload(): the new client takes the connect timeout the engine now uses.
        if ([`${SECTION}.timeouts.connectMs`, ...PROXY_SETTINGS].some((key) => e.affectsConfiguration(key))) this.applyProxySettings();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload()),
    );
  }

  /** Runs one request with the editor's cancellation, logging it; errors propagate for the caller to present. */
  async run(req: ChatRequest, opts: RunOptions = {}): Promise<ChatResult> {
    this.explainDefaultProvider();
    const controller = new AbortController();
    const sub = opts.token?.onCancellationRequested(() => controller.abort());
    if (opts.token?.isCancellationRequested) controller.abort();
    const id = this.log.nextId();
    const started = Date.now();
    try {
      const result = await this.engine.chat(req, { ...opts, signal: controller.signal });
      this.log.succeeded(id, req, result);
      return result;
    } catch (err) {
      this.log.failed(id, req, err, Date.now() - started);
      throw err;
    } finally {
      sub?.dispose();
    }
  }

  /** A new client for the changed proxy settings; the old one closes once its requests in flight finish. */
  private applyProxySettings(): void {
    const old = this.proxyClient;
    this.proxyClient = proxyDispatcher(this.engine.config.timeouts.connectMs, (message) => this.channel.warn(message));
    this.engine.setDispatcher(this.proxyClient);
    void old?.close().catch(() => undefined);
  }

  /** The configuration in force (the last valid settings). */
  get config(): RouterConfig {
    return this.engine.config;
  }

  /** Resolves once persisted state is loaded. */
  ready(): Promise<void> {
    return this.engine.ready();
  }

  /** Every enabled provider with its breaker and its health: what the status bar and the dashboard show. */
  providers(): ProviderStatus[] {
    return this.engine.providers();
  }

  metricsSnapshot(window: MetricsWindow): MetricsSnapshot {
    return this.engine.metricsSnapshot(window);
  }

  metricsHistory(provider?: string, sinceMs?: number): HistoryPoint[] {
    return this.engine.metricsHistory(provider, sinceMs);
  }

  costSummary(): CostSummary {
    return this.engine.costSummary();
  }

  cacheStats(): CacheStats {
    return this.engine.cacheStats();
  }

  get cacheEnabled(): boolean {
    return this.engine.cacheEnabled;
  }

  /** Calls `listener` for every routing event; the returned function unsubscribes. */
  onEvent(listener: EngineEventListener): () => void {
    return this.engine.onEvent(listener);
  }

  clearCache(): Promise<void> {
    return this.engine.clearCache();
  }

  invalidateCache(tag: string): Promise<void> {
    return this.engine.invalidateCache(tag);
  }

  /** Drops cached answers about older contents of the file; returns the tag for answers about this content. */
  invalidateFileCache(filePath: string, contentHashHex: string): Promise<string> {
    return this.engine.invalidateFileCache(filePath, contentHashHex);
  }

  /** Writes cache, metrics and costs to the state folder now. */
  flush(): Promise<void> {
    return this.engine.flush();
  }

  /** Closes the named provider's breaker (or every one), forgetting its failures and Retry-After wait. */
  resetBreakers(provider?: string): void {
    this.engine.resetBreaker(provider);
  }

  /** Looks at every alert condition now and returns the active alerts, oldest first. */
  alerts(): Alert[] {
    return this.engine.alerts();
  }

  /** Counts the user's verdict on an answer (Apply/Discard, an accepted or passed-over completion) in its provider's quality score. */
  recordVerdict(verdict: VerdictInput): void {
    this.engine.recordVerdict(verdict);
  }

  /** The quality ranking, best first, with the signals behind each score. */
  quality(): QualityRank[] {
    return this.engine.quality();
  }

  /** Background probes wait while the window is unfocused or idle (llmRouter.probes.whenIdle). */
  setWindowActive(active: boolean): void {
    this.engine.setWindowActive(active);
  }

  isolate(provider: string): void {
    this.engine.isolate(provider);
  }

  restore(provider: string): void {
    this.engine.restore(provider);
  }

  reload(): void {
    const config = this.readValidSettings();
    if (config) this.engine.updateConfig(config);
    // Also when invalid: the status bar shows the problem until a valid configuration applies.
    this.changed.fire();
  }

  private readValidSettings(): RouterConfig | undefined {
    const result = readSettings();
    if (!result.ok) {
      const first = result.issues[0];
      this.configProblem = { path: first.path, message: first.message, more: result.issues.length - 1 };
      const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more)` : '';
      for (const i of result.issues) this.channel.error(`Invalid setting ${i.path}: ${i.message}`);
      void vscode.window
        .showErrorMessage(`LLM Router: invalid setting ${first.path}: ${sentence(`${first.message}${more}`)} Nothing of this change is applied; the last valid configuration stays active.`, 'Open settings.json')
        .then((choice) => choice && vscode.commands.executeCommand('workbench.action.openSettingsJson'));
      return undefined;
    }
    this.configProblem = undefined;
    for (const w of result.warnings) this.channel.warn(w);
    if (result.plainKeyProviders.length > 0) {
      void vscode.window.showWarningMessage(
        `LLM Router: an API key is written in plain settings for ${result.plainKeyProviders.map((p) => `'${p}'`).join(', ')}. It is ignored; store it with 'LLM Router: Set API Key' and remove it from settings.json.`,
      );
    }
    this.usingDefaultProvider = result.usingDefaultProvider;
    return result.config;
  }

  /** Once per window, without holding up the request: say where requests go and how to change it. */
  private explainDefaultProvider(): void {
    if (!this.usingDefaultProvider || this.explainedDefault) return;
    this.explainedDefault = true;
    void vscode.window
      .showInformationMessage(
        'LLM Router has no providers configured, so it uses a local Ollama on http://localhost:11434. Add providers in the llmRouter.providers setting.',
        'Open Settings',
      )
      .then((choice) => choice && vscode.commands.executeCommand('workbench.action.openSettings', 'llmRouter.providers'));
  }

  /** Stops listening and saves every store; the same promise however often it is called. */
  close(): Promise<void> {
    if (!this.closing) {
      for (const d of this.disposables) d.dispose();
      this.closing = this.engine.close();
    }
    return this.closing;
  }

  dispose(): void {
    void this.close();
  }
}

/** Ends a clause with a full stop unless it already ends with punctuation ("did you mean 'baseUrl'?"). */
function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}
