import type { Dispatcher } from 'undici';
import * as vscode from 'vscode';
import type { Alert } from '../engine/alerts/alertTypes';
import type { RouterConfig } from '../engine/config/schema';
import { parseConfig } from '../engine/config/loadConfig';
import { RouterEngine, type ChatOptions, type ProviderStatus, type VerdictInput } from '../engine/engine';
import type { QualityRank } from '../engine/quality/qualityRegistry';
import type { CacheStats } from '../engine/cache/responseCache';
import type { CostSummary } from '../engine/cost/costAccounting';
import type { EngineEvent, EngineEventListener } from '../engine/events';
import type { HistoryPoint, MetricsSnapshot, MetricsWindow } from '../engine/metrics/metricsTypes';
import type { TeamMetricsSnapshot } from '../engine/metrics/teamMetrics';
import { redactUrl } from '../engine/state/redis/sharedStateClient';
import { userFolders } from '../engine/state/userFolders';
import type { ChatRequest, ChatResult } from '../engine/types';
import { startGateway, type GatewayOptions, type RunningGateway } from '../gateway/gateway';
import { SET_SHARED_STATE_PASSWORD_TITLE, SHARED_STATE_PASSWORD_SECRET } from './commands/setSharedStatePassword';
import { EndpointApproval } from './endpointApproval';
import { KeyStore } from './keyStore';
import { editorModelChat } from './lm/editorModelClient';
import { PROXY_SETTINGS, proxyDispatcher } from './proxy';
import { RequestLog } from './requestLog';
import { DEFAULT_PROVIDER, readSettings, SECTION } from './settings';

export interface RunOptions extends Omit<ChatOptions, 'signal'> {
  token?: vscode.CancellationToken;
}

/**
 * Owns the engine for the window: builds it from settings, applies changes live (keeping the last valid
 * configuration when a change is invalid), resolves keys, and logs every request. A change of
 * `llmRouter.sharedState` or of its password builds a new engine, since shared state is where the engine keeps everything.
 */
export class RouterHost implements vscode.Disposable {
  private engine: RouterEngine;
  /** The sharedState settings and password the engine was built with. */
  private engineSharedState: string;
  private sharedStatePassword: string | undefined;
  private engineSwap: Promise<void> = Promise.resolve();
  private readonly eventListeners = new Set<EngineEventListener>();
  private stopForwarding: () => void;
  private windowActive = true;
  /** Counts engine rebuilds; whatever holds the engine (the gateway) starts again when it changes. */
  generation = 0;
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
  private readonly gateways = new Set<RunningGateway>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly channel: vscode.LogOutputChannel,
    /** Read from secret storage before the first engine is built, so it starts with the team's state. */
    sharedStatePassword?: string,
  ) {
    this.keys = new KeyStore(context.secrets, new EndpointApproval(context.globalState));
    this.log = new RequestLog(channel, () => this.engine.config.log.includePrompts);
    const initial = this.readValidSettings() ?? parseConfig({ providers: [DEFAULT_PROVIDER] }).config;
    this.proxyClient = proxyDispatcher(initial.timeouts.connectMs, (message) => channel.warn(message));
    this.sharedStatePassword = sharedStatePassword;
    this.engine = this.buildEngine(initial);
    this.engineSharedState = this.sharedStateKey(initial);
    this.stopForwarding = this.forwardEvents(this.engine);
    this.disposables.push(
      this.keys,
      this.changed,
      // Set in any window, the password reaches every window's router.
      context.secrets.onDidChange((e) => {
        if (e.key !== SHARED_STATE_PASSWORD_SECRET) return;
        void Promise.resolve(context.secrets.get(SHARED_STATE_PASSWORD_SECRET)).then(
          (password) => {
            this.sharedStatePassword = password;
            this.applySharedState();
          },
          (err: Error) => this.channel.error(`Could not read the shared state password from secret storage: ${err.message}`),
        );
      }),
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

  private buildEngine(config: RouterConfig): RouterEngine {
    return new RouterEngine({
      config,
      // Spend, budgets, metrics and breakers are the user's, across windows and the CLI; cached answers are about this workspace.
      stateDir: userFolders().state,
      cacheDir: (this.context.storageUri ?? this.context.globalStorageUri).fsPath,
      resolveKey: (p) => this.keys.resolve(p),
      dispatcher: this.proxyClient,
      warn: (message) => this.warnFromEngine(message),
      backgroundProbes: true,
      sharedStatePassword: this.sharedStatePassword,
      sharedStatePasswordCommand: SET_SHARED_STATE_PASSWORD_TITLE,
      editorModels: editorModelChat(this.context.languageModelAccessInformation),
    });
  }

  /** Redis being unreachable or refusing the password changes what budgets mean, so it is said once where the user looks, not only in the log. */
  private warnFromEngine(message: string): void {
    this.channel.warn(message);
    if (message.startsWith('Shared state:')) void vscode.window.showWarningMessage(`LLM Router: ${message}`, 'Show Log').then((c) => c && this.channel.show(true));
  }

  private sharedStateKey(config: RouterConfig): string {
    return JSON.stringify([config.sharedState ?? null, this.sharedStatePassword ?? null]);
  }

  /** One forwarder per engine, so listeners keep receiving events when the engine is rebuilt. */
  private forwardEvents(engine: RouterEngine): () => void {
    return engine.onEvent((e: EngineEvent) => {
      for (const listener of this.eventListeners) {
        try {
          listener(e);
        } catch (err) {
          this.channel.warn(`An engine event listener failed: ${(err as Error).message}`);
        }
      }
    });
  }

  /** Builds a new engine when the shared state settings or password differ from the running engine's. */
  private applySharedState(): void {
    if (this.closing || this.sharedStateKey(this.engine.config) === this.engineSharedState) return;
    this.engineSwap = this.engineSwap.then(() => this.replaceEngine()).catch((err) => this.channel.error(`Could not apply llmRouter.sharedState: ${(err as Error).message}`));
  }

  private async replaceEngine(): Promise<void> {
    if (this.closing || this.sharedStateKey(this.engine.config) === this.engineSharedState) return;
    // Gateway requests in flight finish on the engine that took them; the gateway starts again on the new one.
    await Promise.all([...this.gateways].map((g) => g.close()));
    const old = this.engine;
    const config = old.config;
    this.stopForwarding();
    this.engine = this.buildEngine(config);
    this.engineSharedState = this.sharedStateKey(config);
    this.stopForwarding = this.forwardEvents(this.engine);
    this.engine.setWindowActive(this.windowActive);
    this.generation++;
    this.channel.info(config.sharedState ? `Shared state: using ${redactUrl(config.sharedState.url)}, namespace '${config.sharedState.namespace}'.` : 'Shared state: off; state is kept on this machine only.');
    this.changed.fire();
    await old.close();
  }

  /** Runs the local gateway in front of this window's engine; close() waits for its requests before the engine saves its state. */
  async serveGateway(opts: Omit<GatewayOptions, 'engine'>): Promise<RunningGateway> {
    if (this.closing) throw new Error('the router is shutting down');
    const gateway = await startGateway({ ...opts, engine: this.engine });
    this.gateways.add(gateway);
    return {
      url: gateway.url,
      port: gateway.port,
      close: () => gateway.close().finally(() => this.gateways.delete(gateway)),
    };
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

  /** Resolves once persisted state is loaded (after a pending rebuild for new shared state settings). */
  async ready(): Promise<void> {
    await this.engineSwap;
    await this.engine.ready();
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

  get sharesMetrics(): boolean {
    return this.engine.sharesMetrics;
  }

  /** Every team member's metrics in the window, when `llmRouter.sharedState.share` holds `metrics`. */
  teamMetrics(window: MetricsWindow): Promise<TeamMetricsSnapshot | undefined> {
    return this.engine.teamMetrics(window);
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
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
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
    this.windowActive = active;
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
    if (config) {
      this.engine.updateConfig(config);
      this.applySharedState();
    }
    // Also when invalid: the status bar shows the problem until a valid configuration applies.
    this.changed.fire();
  }

  private readValidSettings(): RouterConfig | undefined {
    const result = readSettings();
    if (!result.ok) {
      const first = result.issues[0];
      this.configProblem = { path: first.path, message: first.message, more: result.issues.length - 1 };
      const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more in the log)` : '';
      for (const i of result.issues) this.channel.error(`Invalid setting ${i.path}: ${i.message}`);
      const actions = ['Open settings.json', ...(result.issues.length > 1 ? ['Show Log'] : [])];
      void vscode.window
        .showErrorMessage(`LLM Router: invalid setting ${first.path}: ${sentence(`${first.message}${more}`)} Nothing of this change is applied; the last valid configuration stays active.`, ...actions)
        .then((choice) => choice && vscode.commands.executeCommand(choice === 'Show Log' ? 'llmRouter.showLog' : 'workbench.action.openSettingsJson'));
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
        "LLM Router has no providers configured, so it uses a local Ollama on http://localhost:11434. Run 'LLM Router: Add Provider' to add one (it tests the connection first), or edit the llmRouter.providers setting.",
        'Add Provider',
        'Open Settings',
      )
      .then((choice) =>
        choice === 'Add Provider' ? vscode.commands.executeCommand('llmRouter.addProvider') : choice && vscode.commands.executeCommand('workbench.action.openSettings', 'llmRouter.providers'),
      );
  }

  /** Stops listening and saves every store; the same promise however often it is called. */
  close(): Promise<void> {
    if (!this.closing) {
      for (const d of this.disposables) d.dispose();
      // Requests in flight through a gateway finish (and are counted) before the engine saves.
      this.closing = this.engineSwap.then(() => Promise.all([...this.gateways].map((g) => g.close()))).then(() => this.engine.close());
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
