import type { Dispatcher } from 'undici';
import type { ProviderConfig, RouterConfig } from './config/schema';
import { AlertMonitor } from './alerts/alertMonitor';
import type { Alert } from './alerts/alertTypes';
import { RateLimitWatch } from './alerts/rateLimitWatch';
import { AllProvidersFailedError, CancelledError, ProviderError, type ErrorClass } from './errors';
import { createDispatcher } from './http/dispatcher';
import { sendChat } from './http/transport';
import { adapterFor, effectiveBaseUrl } from './providers/registry';
import { editorOnlyError, type EditorModelChat } from './providers/editorModels';
import { envKeysFor } from './providers/vendorKeys';
import { ProviderKeyRings, type KeyStatus } from './resilience/keyRing';
import { cacheKey, fileTag, ResponseCache, type CachedResponse, type CacheStats } from './cache/responseCache';
import { replayAsStream } from './cache/replay';
import { CostAccounting, type CostSummary, type EstimatedCandidate } from './cost/costAccounting';
import type { Reservation } from './cost/teamBudget';
import { EngineEvents, type AttemptEvent, type EngineEventListener } from './events';
import { BackgroundProbes, type ProbeOutcome } from './health/backgroundProbe';
import { providerHealth, type ProviderHealth } from './health/providerHealth';
import { ProviderOutcomes } from './health/providerOutcomes';
import { sendProbe } from './http/probeTransport';
import { parseRateLimitHeaders } from './http/rateLimitHeaders';
import { MetricsRegistry } from './metrics/metricsRegistry';
import type { HistoryPoint, MetricsSnapshot, MetricsWindow } from './metrics/metricsTypes';
import type { TeamMetricsSnapshot } from './metrics/teamMetrics';
import { recordAttempts } from './metrics/recordAttempts';
import { BreakerStore } from './resilience/breakerStore';
import { ProviderBreaker, type BreakerSnapshot } from './resilience/circuitBreaker';
import { ProviderCooldowns } from './resilience/cooldown';
import type { ProbeLeases, ResilienceSync } from './resilience/sharedResilience';
import { routeWithFallback, type HedgePolicy } from './routing/fallbackRoute';
import { planCandidates, type PlannedCandidate } from './routing/candidatePlan';
import { requestForProvider } from './routing/capabilities';
import { StreamGate, type ProviderRuntime, type RequestContext, type RoutingHost } from './routing/providerAttempt';
import { RecentLatency } from './routing/recentLatency';
import { CLIENT_LIMIT_WINDOW_MS, RequestPacing, type RateLimitStatus } from './routing/pacing';
import { RateLimitStore } from './routing/rateLimitStore';
import { requestNeed } from './routing/requestNeed';
import { answerProblems } from './quality/answerChecks';
import { cellKey } from './quality/qualityData';
import { QualityRegistry, type QualityRank } from './quality/qualityRegistry';
import type { QualitySignal, Verdict } from './quality/qualitySignals';
import { FileStateStore } from './state/fileStateStore';
import type { StateStore } from './state/stateStore';
import { memberIdentity } from './state/redis/memberIdentity';
import { openSharedState, type SharedState } from './state/redis/sharedState';
import { createStrategy, type Strategy } from './routing/strategies';
import type { AttemptRecord, ChatRequest, ChatResult, ToolCall } from './types';

export interface EngineOptions {
  config: RouterConfig;
  /** The user's own state (spend, metrics, breakers), shared by every window and the CLI; nothing persists without it. */
  stateDir?: string;
  /** The Redis password for `sharedState` (the editor's secret storage); defaults to the variable `sharedState.passwordEnv` names. */
  sharedStatePassword?: string;
  /** The editor command that stores that password, named in messages about a refused or missing one. */
  sharedStatePasswordCommand?: string;
  /** Where the response cache persists (e.g. per workspace); defaults to `stateDir`. */
  cacheDir?: string;
  /** Finds a provider's key, or its keys in order; defaults to the environment variables envKeysFor() allows for its host. */
  resolveKey?: (p: ProviderConfig) => KeyResolution | Promise<KeyResolution>;
  dispatcher?: Dispatcher;
  warn?: (message: string) => void;
  now?: () => number;
  random?: () => number;
  /** Probe open breakers (and, with probes.intervalMs, every provider) in the background; for long-lived hosts. Default false. */
  backgroundProbes?: boolean;
  /** The rolling window `limits.rpm` / `limits.tpm` are held in: a minute, which tests shorten. */
  clientLimitWindowMs?: number;
  /** Sends requests to providers of kind vscode-lm (the editor's own models); only the extension has one. */
  editorModels?: EditorModelChat;
}

export type KeyResolution = string | readonly string[] | undefined;

export interface ChatOptions {
  signal?: AbortSignal;
  /** Receives streamed text as it arrives (only with `stream: true`). */
  onText?: (delta: string) => void;
  /** Receives each tool call once its arguments are complete (only with `stream: true`). */
  onToolCall?: (call: ToolCall) => void;
  /** Neither read nor write the response cache. */
  noCache?: boolean;
  /** Invalidation tags for the cached answer (e.g. the analysed file). */
  cacheTags?: string[];
  /** Routes only to these provider ids (in the configured order), with their retries; others are never tried. */
  onlyProviders?: readonly string[];
  /** Streaming: told which provider owns the stream just before its first text reaches onText, with the attempts before it. */
  onStreamStart?: (provider: string, earlierAttempts: readonly AttemptRecord[]) => void;
  /** Told when each attempt starts and ends, as it happens (e.g. for a progress message); what it throws is only warned about. */
  onAttempt?: (event: AttemptEvent) => void;
}

export interface ProviderStatus {
  id: string;
  kind: ProviderConfig['kind'];
  model: string;
  baseUrl: string;
  breaker: BreakerSnapshot;
  /** Epoch ms until which the provider asked not to be called (Retry-After). */
  coolingDownUntil?: number;
  health: ProviderHealth;
  /** What its rate limits leave: the headroom its last answer announced (for its model and active key) and limits.rpm / limits.tpm. */
  rateLimit?: RateLimitStatus;
  /** With several keys: each as `key N of M`, which one serves and which cool down. Never the keys. */
  keys?: KeyStatus[];
}

export interface ProbeResult {
  provider: string;
  model: string;
  ok: boolean;
  latencyMs: number;
  errorClass?: string;
  status?: number;
  message?: string;
  breaker: BreakerSnapshot['state'];
}

export interface EngineStats {
  window: MetricsWindow;
  generatedAt: number;
  providers: ProviderStatus[];
  metrics: MetricsSnapshot;
  cache: CacheStats;
  costs: CostSummary;
  /** Alert conditions holding now, oldest first. */
  alerts: Alert[];
  /** Configured providers and models, best quality score first. */
  quality: QualityRank[];
  /** With `sharedState.share` holding `metrics`: the team's figures in the window, in total and per member; absent when Redis does not answer. */
  team?: TeamMetricsSnapshot;
}

/** The user's (or a task's) word on an answer the engine returned; `model` as the ChatResult names it. */
export interface VerdictInput {
  provider: string;
  model?: string;
  verdict: Verdict;
}

const HEDGE_MIN_SAMPLES = 5;
/** How often alert conditions are looked at without traffic, so time-based ones (windows, Retry-After) clear. */
const ALERT_CHECK_MS = 15_000;
/** Each look at the alerts reads every metric window, which costs more than a request: at most one a second. */
const ALERT_LOOK_GAP_MS = 1_000;
const RATE_LIMIT_CLASSES: ReadonlySet<string> = new Set(['rate_limited', 'quota_exceeded']);

export class RouterEngine {
  private cfg: RouterConfig;
  private runtimes: ProviderRuntime[] = [];
  private strategy: Strategy;
  private readonly breakers = new Map<string, ProviderBreaker>();
  private readonly cooldowns: ProviderCooldowns;
  private readonly latency = new RecentLatency();
  private readonly breakerStore?: BreakerStore;
  private readonly cache: ResponseCache;
  private readonly events: EngineEvents;
  private readonly metrics: MetricsRegistry;
  private readonly costs: CostAccounting;
  private readonly shared?: SharedState;
  private readonly resilience?: ResilienceSync;
  private readonly outcomes = new ProviderOutcomes();
  private readonly scores: QualityRegistry;
  /** Per provider, the model names answers came back with → the model the engine asked for, so verdicts land on the routed one. */
  private readonly routedModels = new Map<string, string>();
  private readonly alertMonitor: AlertMonitor;
  private readonly rateLimits = new RateLimitWatch();
  private readonly pacing: RequestPacing;
  private readonly rateLimitStore?: RateLimitStore;
  private alertCheck?: NodeJS.Timeout;
  private lastAlertLook = -Infinity;
  private alertTimer?: NodeJS.Timeout;
  private readonly probes: BackgroundProbes;
  /** Alerts are evaluated only once the persisted ones are loaded, so a restart cannot mistake them for new. */
  private alertsLoaded = false;
  private dispatcher: Dispatcher;
  private ownsDispatcher: boolean;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly warn: (message: string) => void;
  private readonly resolveKeyFn: (p: ProviderConfig) => KeyResolution | Promise<KeyResolution>;
  private readonly keyRings: ProviderKeyRings;
  private readonly loaded: Promise<void>;
  private readonly routingHost: RoutingHost = this.createRoutingHost();
  private editorModels?: EditorModelChat;
  private closing?: Promise<void>;

  constructor(options: EngineOptions) {
    this.cfg = options.config;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.warn = options.warn ?? (() => undefined);
    this.resolveKeyFn = options.resolveKey ?? ((p) => envKeysFor(p));
    this.keyRings = new ProviderKeyRings(this.now);
    this.editorModels = options.editorModels;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? createDispatcher({ connectTimeoutMs: this.cfg.timeouts.connectMs });
    this.strategy = createStrategy(this.cfg.routing.strategy);
    const store = this.fileStore(options.stateDir);
    const cacheStore = options.cacheDir === undefined || options.cacheDir === options.stateDir ? store : this.fileStore(options.cacheDir);
    this.shared = this.sharedState(options, store);
    const breakerDocuments = this.shared?.breakerDocuments ?? store;
    if (breakerDocuments) this.breakerStore = new BreakerStore({ store: breakerDocuments });
    this.resilience = this.breakerStore && this.shared?.resilience?.(this.breakerStore, () => this.cfg.breaker.halfOpenAfterMs);
    this.cooldowns = this.resilience?.cooldowns ?? new ProviderCooldowns(this.now);
    const windowMs = options.clientLimitWindowMs ?? CLIENT_LIMIT_WINDOW_MS;
    this.pacing = new RequestPacing({ now: this.now, windowMs, team: this.shared?.rateLimits?.(windowMs) });
    // A team's store holds its shared Retry-After waits; this process's own file keeps the rest.
    if (store) this.rateLimitStore = new RateLimitStore({ store, pacing: this.pacing, cooldowns: this.resilience ? undefined : this.cooldowns, keyRings: this.keyRings, windowMs, now: this.now });
    this.cache = new ResponseCache({ config: this.cfg.cache, store: cacheStore, now: this.now });
    this.events = new EngineEvents({ now: this.now, onListenerError: (err) => this.warn(`An engine event listener failed: ${(err as Error).message}`) });
    this.metrics = new MetricsRegistry({ now: this.now, store, team: this.shared?.metrics });
    this.scores = new QualityRegistry({ store, now: this.now, halfLifeMs: () => this.cfg.quality.halfLifeHours * 3_600_000 });
    this.costs = new CostAccounting({ budget: this.cfg.budget, events: this.events, store, team: this.shared?.budget, now: this.now });
    this.alertMonitor = new AlertMonitor({ store, onChange: (c) => this.events.emit({ type: 'alert', ...c }) });
    this.probes = new BackgroundProbes({
      enabled: options.backgroundProbes ?? false,
      // The editor's own models have no token-free request to probe with.
      targets: () => this.runtimes.filter((rt) => rt.config.kind !== 'vscode-lm').map((rt) => ({ id: rt.config.id, breaker: rt.breaker, send: (signal) => this.sendProbe(rt, signal) })),
      config: () => this.cfg.probes,
      now: this.now,
      onResult: (outcome) => this.recordProbe(outcome),
    });
    this.buildRuntimes();
    this.loaded = this.loadState();
    void this.loaded.then(() => this.startBackgroundWork());
  }

  /** Resolves once persisted state (breakers, metrics, costs) is loaded; chat() waits for it by itself. */
  ready(): Promise<void> {
    return this.loaded;
  }

  get config(): RouterConfig {
    return this.cfg;
  }

  /** The enabled providers this engine can send to: a vscode-lm one only where the editor lends its models. */
  servableProviders(): ProviderConfig[] {
    return this.cfg.providers.filter((p) => p.enabled !== false && (p.kind !== 'vscode-lm' || this.editorModels !== undefined));
  }

  /** Applies a new configuration live; breakers, metrics and cache of providers that keep their id survive. */
  updateConfig(config: RouterConfig): void {
    const strategyChanged = config.routing.strategy !== this.cfg.routing.strategy;
    const connectChanged = config.timeouts.connectMs !== this.cfg.timeouts.connectMs;
    this.cfg = config;
    if (strategyChanged) this.strategy = createStrategy(config.routing.strategy);
    this.cache.configure(config.cache);
    this.costs.updateConfig(config);
    if (connectChanged && this.ownsDispatcher) this.setDispatcher(undefined);
    this.buildRuntimes();
    this.probes.reschedule();
    this.queueAlertCheck();
  }

  /** Swaps the HTTP client (e.g. when the proxy settings change); undefined builds the default one. */
  setDispatcher(dispatcher: Dispatcher | undefined): void {
    const old = this.dispatcher;
    const ownedOld = this.ownsDispatcher;
    this.ownsDispatcher = dispatcher === undefined;
    this.dispatcher = dispatcher ?? createDispatcher({ connectTimeoutMs: this.cfg.timeouts.connectMs });
    // Requests in flight keep the old client until they finish.
    if (ownedOld) void old.close().catch(() => undefined);
  }

  async chat(req: ChatRequest, opts: ChatOptions = {}): Promise<ChatResult> {
    validateRequest(req);
    await this.loaded;
    await this.costs.refreshForBudget().catch(() => undefined);
    if (opts.signal?.aborted) throw new CancelledError();
    const started = this.now();
    const plan = this.planCandidates(req, opts.onlyProviders);
    const useCache = this.cache.enabled && !opts.noCache;
    if (useCache) {
      const hit = await this.lookupCache(plan.map((c) => c.runtime), req);
      if (hit) return this.serveCached(hit.runtime, hit.entry, req, opts, started);
      this.metrics.recordCacheMiss();
    }
    const capable = this.admitByCapability(plan, req);
    const affordable = this.admitByBudget(capable.candidates, req, capable.skipped);
    const runtimes = affordable.candidates.map((c) => c.runtime);
    const { reservation, leases } = await this.prepareTeam(affordable.candidates, runtimes);
    const ctx: RequestContext = {
      req,
      cfg: this.cfg,
      host: this.routingHost,
      signal: opts.signal,
      deadline: started + this.cfg.routing.requestBudgetMs,
      attempts: [],
      need: requestNeed(req),
      onAttempt: this.attemptListener(opts.onAttempt),
    };
    const onStreamStart = opts.onStreamStart;
    if (req.stream && (opts.onText || opts.onToolCall)) {
      ctx.streamGate = new StreamGate(opts.onText ?? (() => undefined), onStreamStart && ((provider) => onStreamStart(provider, ctx.attempts)), opts.onToolCall);
    }
    ctx.attempts.push(...capable.skipped, ...affordable.skipped);
    let routed;
    try {
      routed = await routeWithFallback(runtimes, ctx, this.hedgePolicy());
    } catch (err) {
      await leases?.release();
      recordAttempts(ctx.attempts, this.metrics, this.events);
      this.breakerStore?.save(this.breakers.values());
      this.rateLimitStore?.save();
      this.queueAlertCheck();
      void this.costs.settle(reservation, 0);
      throw err;
    }
    const { runtime, result } = routed;
    await leases?.release();
    this.breakerStore?.save(this.breakers.values());
    this.rateLimitStore?.save();
    const costUsd = this.costs.record(runtime.config, result.model, result.usage);
    void this.costs.settle(reservation, costUsd);
    const answer: ChatResult = {
      text: result.text,
      toolCalls: result.toolCalls,
      ...(result.reasoning.length > 0 ? { reasoning: result.reasoning } : {}),
      provider: runtime.config.id,
      model: result.model,
      cached: false,
      latencyMs: this.now() - started,
      timeToFirstTokenMs: result.timeToFirstTokenMs,
      costUsd,
      usage: result.usage,
      finishReason: result.finishReason,
      attempts: ctx.attempts,
    };
    // A filtered or empty answer says more about this moment than about the question.
    recordAttempts(ctx.attempts, this.metrics, this.events, answer, this.costs.promptCacheSavings(runtime.config, result.model, result.usage));
    this.recordAnswerQuality(req, answer, runtime);
    this.queueAlertCheck();
    if (useCache && (answer.text !== '' || answer.toolCalls.length > 0) && answer.finishReason !== 'content_filter' && this.cacheable(answer)) {
      const key = this.cacheKeyFor(runtime, req);
      const stored = await this.cache.set(key, answer, { tags: opts.cacheTags });
      if (stored) this.shared?.cache?.set(key, stored);
      this.events.emit({ type: 'cache-stats', stats: this.cache.stats() });
    }
    return answer;
  }

  /** Weighs an answer's problems into its provider's quality score (see engine/quality). */
  private recordAnswerQuality(req: ChatRequest, answer: ChatResult, rt: ProviderRuntime): void {
    const model = req.model ?? rt.config.model;
    this.routedModels.set(cellKey(rt.config.id, answer.model), model);
    const problems = answerProblems(req, answer);
    const signals: QualitySignal[] = problems.length > 0 ? ['answers', 'flagged', ...problems] : ['answers'];
    this.scores.record(rt.config.id, model, signals);
  }

  /** Counts the user's verdict on an answer (applied, discarded, accepted, ignored) or a task's (unparsed findings) in its quality score. */
  recordVerdict(v: VerdictInput): void {
    this.scores.record(v.provider, this.routedModel(v.provider, v.model), [v.verdict]);
  }

  /** Every configured provider's model, and any other of its models with signals, best score first (ties in config order). */
  quality(): QualityRank[] {
    return this.scores.ranking(this.runtimes.map((rt) => ({ provider: rt.config.id, model: rt.config.model })));
  }

  /** The model a verdict's answer was routed to: a name known to the scores, else the one asked for, else the provider's own. */
  private routedModel(provider: string, model: string | undefined): string {
    if (model !== undefined && this.scores.has(provider, model)) return model;
    const asked = model === undefined ? undefined : this.routedModels.get(cellKey(provider, model));
    return asked ?? this.cfg.providers.find((p) => p.id === provider)?.model ?? model ?? '';
  }

  /** What the routing code may use of this engine. */
  private createRoutingHost(): RoutingHost {
    return {
      now: () => this.now(),
      random: () => this.random(),
      apiKeys: async (p) => keyList(await this.resolveKeyFn(p)),
      // Built in the constructor, after this field initializer runs.
      keys: {
        pick: (provider, count) => this.keyRings.pick(provider, count),
        keyFailed: (provider, index, count, errorClass, retryAfterMs) => this.keyRings.keyFailed(provider, index, count, errorClass, retryAfterMs),
        allCoolingUntil: (provider) => this.keyRings.allCoolingUntil(provider),
      },
      editorChat: (p, req, opts) => {
        if (!this.editorModels) throw editorOnlyError(p);
        return this.editorModels(p, req, opts);
      },
      dispatcher: () => this.dispatcher,
      coolingDownUntil: (id) => this.cooldowns.until(id),
      coolDown: (id, retryAfterMs) => this.cooldowns.setFor(id, retryAfterMs),
      pacing: {
        hold: (provider, model, need) => this.pacing.hold(provider, this.headroomScope(provider, model), need),
        admit: (provider, model, need) => this.pacing.admit(provider, this.headroomScope(provider, model), need),
        onAvailabilityChange: (listener) => this.pacing.onAvailabilityChange(listener),
      },
      attemptFinished: (record, result, err) => {
        this.outcomes.record(record, this.now());
        if (record.outcome === 'ok') this.latency.record(record.provider, record.latencyMs);
        // A failing provider must not look fast to the latency strategy: count it as the slowest possible answer.
        else if (err instanceof ProviderError && err.countsAgainstProvider) this.latency.record(record.provider, this.cfg.timeouts.totalMs);
        if (result) this.emitRateLimit(record.provider, result.headers);
      },
    };
  }

  /** Drops cached answers about older contents of a file; returns the tag for answers about this content. */
  async invalidateFileCache(filePath: string, contentHashHex: string): Promise<string> {
    await this.cache.invalidateFile(filePath, contentHashHex);
    return fileTag(filePath, contentHashHex);
  }

  cacheStats(): CacheStats {
    return this.cache.stats();
  }

  get cacheEnabled(): boolean {
    return this.cache.enabled;
  }

  /** Empties the response cache (memory and disk) and tells listeners the new figures. */
  async clearCache(): Promise<void> {
    await this.cache.clear();
    this.events.emit({ type: 'cache-stats', stats: this.cache.stats() });
  }

  /** Drops every cached answer carrying `tag` (see cacheTags). */
  async invalidateCache(tag: string): Promise<void> {
    await this.cache.invalidate(tag);
  }

  /** Calls `listener` for every engine event from now on; the returned function unsubscribes. */
  onEvent(listener: EngineEventListener): () => void {
    return this.events.subscribe(listener);
  }

  metricsSnapshot(window: MetricsWindow): MetricsSnapshot {
    return this.metrics.snapshot(window);
  }

  /** Minute points of one provider (or all), oldest first. */
  metricsHistory(provider?: string, sinceMs?: number): HistoryPoint[] {
    return this.metrics.history(provider, sinceMs);
  }

  costSummary(): CostSummary {
    return this.costs.summary();
  }

  /**
   * What the team must know before routing, in one round trip's time: the budget reservation, other members' breakers,
   * Retry-Afters and probe leases, and their rate limits. A refused reservation hands back the leases it raced with.
   */
  private async prepareTeam(candidates: PlannedCandidate[], runtimes: ProviderRuntime[]): Promise<{ reservation: Reservation | undefined; leases: ProbeLeases | undefined }> {
    const [reserved, leased] = await Promise.allSettled([
      this.costs.reserve(candidates.map(estimated)),
      this.resilience?.beforeRouting(runtimes.map((rt) => rt.breaker)),
      this.pacing.sharedWithTeam ? this.pacing.syncTeam(runtimes.map((rt) => ({ provider: rt.config.id, model: this.headroomScope(rt.config.id, rt.config.model) }))) : undefined,
    ]);
    const leases = leased.status === 'fulfilled' ? leased.value : undefined;
    if (reserved.status === 'rejected') {
      await leases?.release();
      throw reserved.reason;
    }
    if (leased.status === 'rejected') {
      void this.costs.settle(reserved.value, 0);
      throw leased.reason;
    }
    return { reservation: reserved.value, leases };
  }

  /** Saves breakers, cache, metrics and spend now, merged with what other processes saved; closes nothing. Never rejects. */
  async flush(): Promise<void> {
    await this.loaded.catch(() => undefined);
    this.breakerStore?.save(this.breakers.values());
    // Each store has warned about its own failure; one failing must not keep the others from saving.
    await Promise.allSettled([this.breakerStore?.flush(), this.rateLimitStore?.flush(), this.cache.flush(), this.metrics.flush(), this.costs.flush(), this.alertMonitor.flush(), this.scores.flush()]);
  }

  /** Leaves out providers that cannot take this request (tools, images, structured output, context window), before any connection. */
  private admitByCapability(candidates: PlannedCandidate[], req: ChatRequest): { candidates: PlannedCandidate[]; skipped: AttemptRecord[] } {
    const skipped: AttemptRecord[] = [];
    const capable = candidates.filter(({ runtime: rt, gap }) => {
      if (gap) skipped.push({ provider: rt.config.id, model: req.model ?? rt.config.model, outcome: 'skipped', errorClass: gap.gap, message: gap.message, latencyMs: 0 });
      return gap === undefined;
    });
    return { candidates: capable, skipped };
  }

  private attemptListener(listener: ChatOptions['onAttempt']): ((event: AttemptEvent) => void) | undefined {
    if (!listener) return undefined;
    return (event) => {
      try {
        listener(event);
      } catch (err) {
        this.warn(`An onAttempt listener failed: ${(err as Error).message}`);
      }
    };
  }

  /** Leaves out providers this request cannot afford; refuses it outright when none is left. */
  private admitByBudget(candidates: PlannedCandidate[], req: ChatRequest, incapable: AttemptRecord[] = []): { candidates: PlannedCandidate[]; skipped: AttemptRecord[] } {
    if (candidates.length === 0 && incapable.length > 0) throw new AllProvidersFailedError(incapable, undefined, `No provider can serve this request: ${incapable.map((a) => `${a.provider} (${a.errorClass})`).join(', ')}.`);
    if (candidates.length === 0) throw new AllProvidersFailedError([], undefined, 'No provider is configured or enabled (llmRouter.providers).');
    const admission = this.costs.admit(candidates.map(estimated));
    if (admission.allowed.length === 0) throw admission.refused[0].error;
    const allowed = new Set(admission.allowed.map((p) => p.id));
    return {
      candidates: candidates.filter((c) => allowed.has(c.runtime.config.id)),
      skipped: admission.refused.map(({ provider, error }) => ({ provider: provider.id, model: req.model ?? provider.model, outcome: 'skipped', errorClass: 'budget_exceeded', message: error.message, latencyMs: 0 })),
    };
  }

  private cacheKeyFor(rt: ProviderRuntime, req: ChatRequest): string {
    // Keyed on what this provider is sent, so an answer given without structured output never serves one asked with it.
    return cacheKey({ providerKind: rt.config.kind, model: rt.config.model, baseUrl: rt.baseUrl, request: requestForProvider(rt.config, req) });
  }

  /** With cache.storeToolCalls false, answers ending in tool calls are neither stored nor served (not even ones stored before). */
  private cacheable(answer: { toolCalls?: readonly ToolCall[] }): boolean {
    return this.cfg.cache.storeToolCalls || (answer.toolCalls?.length ?? 0) === 0;
  }

  private async lookupCache(candidates: ProviderRuntime[], req: ChatRequest): Promise<{ runtime: ProviderRuntime; entry: Readonly<CachedResponse> } | undefined> {
    const keys = candidates.map((runtime) => ({ runtime, key: this.cacheKeyFor(runtime, req) }));
    for (const { runtime, key } of keys) {
      const entry = await this.cache.get(key);
      if (entry && this.cacheable(entry)) return { runtime, entry };
    }
    const shared = this.shared?.cache;
    for (const { runtime, key } of shared ? keys : []) {
      const entry = await shared?.get(key);
      if (entry && !this.cacheable(entry)) continue;
      // Kept locally too, until the same expiry, so the next ask needs no round trip.
      if (entry) return { runtime, entry: (await this.cache.set(key, entry, { ttlSeconds: (entry.expiresAt - this.now()) / 1000, tags: entry.tags })) ?? entry };
    }
    return undefined;
  }

  private async serveCached(rt: ProviderRuntime, entry: Readonly<CachedResponse>, req: ChatRequest, opts: ChatOptions, started: number): Promise<ChatResult> {
    const toolCalls = structuredClone(entry.toolCalls ?? []);
    if (req.stream && (opts.onText || opts.onToolCall)) {
      opts.onStreamStart?.(rt.config.id, []);
      if (opts.onText) await replayAsStream(entry.text, opts.onText, { signal: opts.signal });
      for (const call of toolCalls) opts.onToolCall?.(call);
    }
    const latencyMs = this.now() - started;
    this.metrics.recordCacheHit();
    this.events.emit({ type: 'request-finished', provider: rt.config.id, model: entry.model, outcome: 'ok', latencyMs, costUsd: 0, cached: true });
    this.events.emit({ type: 'cache-stats', stats: this.cache.stats() });
    return {
      text: entry.text,
      toolCalls,
      provider: rt.config.id,
      model: entry.model,
      cached: true,
      latencyMs,
      costUsd: 0,
      usage: { ...entry.usage, cacheWriteTokens: entry.usage.cacheWriteTokens ?? 0 },
      finishReason: entry.finishReason,
      attempts: [{ provider: rt.config.id, model: entry.model, outcome: 'ok', message: 'served from cache', latencyMs }],
    };
  }

  /** Every enabled provider in configured order, with its breaker and its health (see providerHealth). */
  providers(): ProviderStatus[] {
    const now = this.now();
    return this.runtimes.map((rt) => {
      const id = rt.config.id;
      const breaker = rt.breaker.snapshot();
      const coolingDownUntil = this.coolingDownUntil(id);
      const rateLimit = this.pacing.status(id, this.headroomScope(id, rt.config.model), now);
      const health = providerHealth({ breaker, coolingDownUntil, rateLimit, lastOutcome: this.outcomes.lastOutcome(id), everAnswered: this.outcomes.everAnswered(id), now });
      const keys = this.keyRings.status(id, now);
      return { id, kind: rt.config.kind, model: rt.config.model, baseUrl: rt.baseUrl, breaker, coolingDownUntil, health, ...(rateLimit ? { rateLimit } : {}), ...(keys ? { keys } : {}) };
    });
  }

  /** Each provider's health, in configured order: the one definition every surface shows. */
  providerHealth(): Array<ProviderHealth & { provider: string }> {
    return this.providers().map((p) => ({ provider: p.id, ...p.health }));
  }

  /** Everything persisted about providers, for `stats` and dashboards. */
  async stats(window: MetricsWindow): Promise<EngineStats> {
    await this.loaded;
    await this.metrics.flush();
    await this.cache.ready();
    await this.costs.flush();
    await this.scores.flush();
    const alerts = this.alerts();
    const team = await this.teamMetrics(window);
    return { window, generatedAt: this.now(), providers: this.providers(), metrics: this.metrics.snapshot(window), cache: this.cache.stats(), costs: this.costs.summary(), alerts, quality: this.quality(), ...(team ? { team } : {}) };
  }

  /** Whether `sharedState.share` holds `metrics`, so teamMetrics() can answer. */
  get sharesMetrics(): boolean {
    return this.shared?.metrics !== undefined;
  }

  /** The team's metrics in the window, this member's latest included; undefined when not shared or Redis does not answer. */
  async teamMetrics(window: MetricsWindow): Promise<TeamMetricsSnapshot | undefined> {
    const team = this.shared?.metrics;
    if (!team) return undefined;
    await this.loaded;
    return team.read(window, this.metrics.windowMinutes(window));
  }

  /** Looks at every alert condition now (raising and clearing as needed) and returns the active alerts, oldest first. */
  alerts(): Alert[] {
    // Before the saved alerts are loaded, a look could only mistake them for new ones.
    if (!this.alertsLoaded) return this.alertMonitor.list();
    const now = this.now();
    const providers = this.runtimes.map((rt) => {
      const id = rt.config.id;
      const rateLimitedUntil = this.cooldowns.until(id, now);
      const last = this.outcomes.lastOutcome(id);
      const limited = rateLimitedUntil !== undefined || (last !== undefined && !last.ok && RATE_LIMIT_CLASSES.has(last.errorClass));
      return { id, breaker: rt.breaker.snapshot(), rateLimitedUntil, rateLimitedSince: this.rateLimits.observe(id, limited, now) };
    });
    const inputs = { now, providers, metrics: this.metrics.snapshot(this.cfg.alerts.window), costs: this.costs.summary() };
    return this.alertMonitor.evaluate(this.cfg.alerts, this.cfg.budget.warnAtPercent, inputs);
  }

  /** Tells the engine whether the user's window is focused and in use; background probes wait while it is not (see probes.whenIdle). */
  setWindowActive(active: boolean): void {
    this.probes.setWindowActive(active);
  }

  private emitRateLimit(provider: string, headers: Record<string, string | string[] | undefined>): void {
    if (this.events.listenerCount === 0) return;
    const snapshot = parseRateLimitHeaders(headers);
    if (Object.keys(snapshot).length > 0) this.events.emit({ type: 'rate-limit', provider, snapshot });
  }

  /** Closes the named breaker (or all), forgetting failures and Retry-After waits. */
  resetBreaker(id?: string): void {
    for (const rt of this.runtimes) {
      if (id !== undefined && rt.config.id !== id) continue;
      rt.breaker.reset();
      this.cooldowns.clear(rt.config.id);
      this.keyRings.forget(rt.config.id);
      this.rateLimitStore?.forget(rt.config.id);
      this.outcomes.forgetFailure(rt.config.id);
    }
    this.breakerStore?.save(this.breakers.values());
  }

  isolate(id: string): void {
    this.runtime(id).breaker.isolate();
    this.breakerStore?.save(this.breakers.values());
  }

  restore(id: string): void {
    this.runtime(id).breaker.restore();
    this.breakerStore?.save(this.breakers.values());
  }

  /** Sends a tiny request straight to every provider (no fallback, no retries) and reports each. */
  async health(signal?: AbortSignal): Promise<ProbeResult[]> {
    await this.loaded;
    return Promise.all(
      this.runtimes.map(async (rt): Promise<ProbeResult> => {
        const started = performance.now();
        const base = { provider: rt.config.id, model: rt.config.model };
        try {
          const key = await this.activeKey(rt);
          if (rt.adapter.requiresKey && !key) {
            throw new ProviderError({ provider: rt.config.id, errorClass: 'missing_key', message: `Provider '${rt.config.id}': no API key found.` });
          }
          const ping: ChatRequest = { messages: [{ role: 'user', content: 'ping' }], maxTokens: 16 };
          const totalTimeoutMs = rt.config.timeoutMs ?? this.cfg.timeouts.totalMs;
          if (rt.config.kind === 'vscode-lm') {
            if (!this.editorModels) throw editorOnlyError(rt.config);
            await this.editorModels(rt.config, ping, { signal, totalTimeoutMs });
          } else {
            const ticket = this.pacing.track(rt.config.id, rt.config.model, requestNeed(ping));
            await sendChat(
              rt.adapter,
              { id: rt.config.id, kind: rt.config.kind, baseUrl: rt.baseUrl, model: rt.config.model, apiKey: key, headers: rt.config.headers },
              ping,
              { signal, dispatcher: this.dispatcher, totalTimeoutMs, maxResponseBytes: this.cfg.limits.maxResponseBytes, onResponseHeaders: (headers) => ticket.observeHeaders(headers) },
            ).finally(() => ticket.finish());
          }
          const latencyMs = performance.now() - started;
          this.outcomes.record({ ...base, outcome: 'ok', latencyMs }, this.now());
          return { ...base, ok: true, latencyMs, breaker: rt.breaker.snapshot().state };
        } catch (err) {
          const pe = err instanceof ProviderError ? err : undefined;
          const latencyMs = performance.now() - started;
          const errorClass = pe?.errorClass ?? (err instanceof CancelledError ? 'cancelled' : 'connection');
          const message = err instanceof Error ? err.message : String(err);
          this.outcomes.record({ ...base, outcome: 'error', errorClass, message, latencyMs }, this.now());
          return { ...base, ok: false, latencyMs, errorClass, status: pe?.status, message, breaker: rt.breaker.snapshot().state };
        }
      }),
    ).finally(() => this.rateLimitStore?.save());
  }

  /** Persists every store and releases connections; later calls return the same promise. Never rejects. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    await this.loaded.catch(() => undefined);
    if (this.alertTimer) clearInterval(this.alertTimer);
    if (this.alertCheck) clearTimeout(this.alertCheck);
    await this.probes.close();
    this.breakerStore?.save(this.breakers.values());
    await Promise.allSettled([this.breakerStore?.flush(), this.rateLimitStore?.flush(), this.cache.close(), this.metrics.close(), this.costs.close(), this.alertMonitor.flush(), this.scores.close()]);
    await this.shared?.close();
    if (this.ownsDispatcher) await this.dispatcher.close().catch(() => undefined);
  }

  private sharedState(options: EngineOptions, localStore: StateStore | undefined): SharedState | undefined {
    const config = this.cfg.sharedState;
    return (
      config &&
      openSharedState(config, {
        password: options.sharedStatePassword,
        passwordCommand: options.sharedStatePasswordCommand,
        localStore,
        member: memberIdentity(options.stateDir),
        cacheMaxBytes: () => this.cfg.cache.maxBytes,
        warn: this.warn,
        now: this.now,
      })
    );
  }

  private fileStore(dir: string | undefined): StateStore | undefined {
    return dir ? new FileStateStore({ dir, warn: this.warn }) : undefined;
  }

  /** Retry-After, or, when every one of several keys is cooling down, until the first comes back. */
  private coolingDownUntil(id: string): number | undefined {
    const provider = this.cooldowns.until(id);
    const keys = this.keyRings.allCoolingUntil(id);
    if (keys === undefined) return provider;
    return provider === undefined ? keys : Math.max(provider, keys);
  }

  /** Headroom is each key's own: providers limit per key (organisation), so the active key's is the one that matters. */
  private headroomScope(provider: string, model: string): string {
    const key = this.keyRings.active(provider);
    return key === 0 ? model : `${model}\u0000key${key}`;
  }

  /** The key the provider's active key slot holds (the first when it has one). */
  private async activeKey(rt: ProviderRuntime): Promise<string | undefined> {
    const keys = keyList(await this.resolveKeyFn(rt.config));
    if (keys.length < 2) return keys[0];
    const picked = this.keyRings.pick(rt.config.id, keys.length);
    return keys['index' in picked ? picked.index : this.keyRings.active(rt.config.id)];
  }

  private runtime(id: string): ProviderRuntime {
    const rt = this.runtimes.find((r) => r.config.id === id);
    if (!rt) throw new Error(`No provider with id '${id}' (llmRouter.providers).`);
    return rt;
  }

  private buildRuntimes(): void {
    const b = this.cfg.breaker;
    const options = {
      consecutiveFailures: b.consecutiveFailures,
      failureRateThreshold: b.failureRateThreshold,
      minimumRequests: b.minimumRequests,
      samplingWindowMs: b.samplingWindowMs,
      halfOpenAfterMs: b.halfOpenAfterMs,
      maxHalfOpenAfterMs: b.maxHalfOpenAfterMs,
      now: this.now,
    };
    this.runtimes = this.cfg.providers
      .filter((p) => p.enabled !== false)
      .map((p) => {
        const baseUrl = effectiveBaseUrl(p);
        let breaker = this.breakers.get(p.id);
        if (breaker) {
          breaker.reconfigure(options);
        } else {
          breaker = new ProviderBreaker({ provider: p.id, ...options });
          this.breakers.set(p.id, breaker);
          breaker.onStateChange((change) => {
            this.metrics.recordBreakerTransition(change.provider, change.from, change.to, change.at);
            this.events.emit({ type: 'breaker', provider: change.provider, from: change.from, to: change.to, reason: change.reason, at: change.at });
            this.breakerStore?.saveNow(this.breakers.values());
            this.probes.reschedule();
            this.queueAlertCheck();
          });
        }
        return { config: p, adapter: adapterFor(p.kind), baseUrl, breaker };
      });
    this.pacing.configure(this.runtimes.map((rt) => rt.config));
  }

  /** A store that cannot be read has warned; the engine then starts from what it has in memory. */
  private async loadState(): Promise<void> {
    await Promise.allSettled([this.metrics.load(), this.costs.load(), this.breakerStore?.sync(this.breakers.values()), this.rateLimitStore?.load(), this.alertMonitor.load(), this.scores.load()]);
    this.outcomes.markAnswered(answeredBefore(this.metrics.snapshot('all')));
  }

  private startBackgroundWork(): void {
    if (this.closing) return;
    this.alertsLoaded = true;
    this.probes.reschedule();
    this.alertTimer = setInterval(() => this.queueAlertCheck(), ALERT_CHECK_MS);
    this.alertTimer.unref();
    this.queueAlertCheck();
  }

  /** Alerts are looked at once per burst of changes, outside the listener that asked, and at most once a second. */
  private queueAlertCheck(): void {
    if (this.alertCheck || this.closing || !this.alertsLoaded) return;
    const wait = Math.max(0, this.lastAlertLook + ALERT_LOOK_GAP_MS - performance.now());
    this.alertCheck = setTimeout(() => {
      this.alertCheck = undefined;
      this.lastAlertLook = performance.now();
      try {
        this.alerts();
      } catch (err) {
        this.warn(`Checking alerts failed: ${(err as Error).message}`);
      }
    }, wait);
    this.alertCheck.unref();
  }

  private async sendProbe(rt: ProviderRuntime, signal: AbortSignal): Promise<void> {
    const key = await this.activeKey(rt);
    if (rt.adapter.requiresKey && !key) {
      throw new ProviderError({ provider: rt.config.id, errorClass: 'missing_key', message: `Provider '${rt.config.id}': no API key found.` });
    }
    const endpoint = { id: rt.config.id, kind: rt.config.kind, baseUrl: rt.baseUrl, model: rt.config.model, apiKey: key, headers: rt.config.headers };
    await sendProbe(rt.adapter, endpoint, { signal, dispatcher: this.dispatcher, timeoutMs: this.cfg.probes.timeoutMs });
  }

  /** A probe counts apart from user traffic in the metrics, but its outcome is the provider's latest word on its health. */
  private recordProbe(o: ProbeOutcome): void {
    const model = this.cfg.providers.find((p) => p.id === o.provider)?.model ?? '';
    const err = o.error instanceof ProviderError ? o.error : undefined;
    const errorClass: ErrorClass = err?.errorClass ?? 'connection';
    const message = o.error instanceof Error ? o.error.message : undefined;
    if (o.ok) this.metrics.recordRequest({ provider: o.provider, model, outcome: 'ok', latencyMs: o.latencyMs, costUsd: 0, probe: true });
    else this.metrics.recordRequest({ provider: o.provider, model, outcome: 'error', errorClass, latencyMs: o.latencyMs, costUsd: 0, probe: true });
    if (o.ok || err?.countsAgainstProvider) {
      this.outcomes.record(o.ok ? { provider: o.provider, model, outcome: 'ok', latencyMs: o.latencyMs } : { provider: o.provider, model, outcome: 'error', errorClass, message, latencyMs: o.latencyMs }, this.now());
    }
    this.breakerStore?.save(this.breakers.values());
    this.events.emit({ type: 'probe', provider: o.provider, ok: o.ok, latencyMs: o.latencyMs, ...(o.ok ? {} : { errorClass, message }) });
    this.queueAlertCheck();
  }

  /** The request's candidates in the strategy's order, each with its capability gap and cost estimate, computed once. */
  private planCandidates(req: ChatRequest, only?: readonly string[]): PlannedCandidate[] {
    const runtimes = only ? this.runtimes.filter((rt) => only.includes(rt.config.id)) : this.runtimes;
    return planCandidates(runtimes, req, {
      strategy: this.strategy,
      estimateUsd: this.costs.estimator(req),
      recentLatencyMs: (id) => this.latency.quantile(id, 0.5),
      random: this.random,
      qualityScore: (p) => this.scores.score(p.id, req.model ?? p.model),
    });
  }

  private hedgePolicy(): HedgePolicy | undefined {
    const h = this.cfg.routing.hedging;
    if (!h.enabled) return undefined;
    return {
      delayFor: (rt) => {
        if (this.latency.samples(rt.config.id) < HEDGE_MIN_SAMPLES) return undefined;
        const p95 = this.latency.quantile(rt.config.id, 0.95) as number;
        return Math.max(h.minDelayMs, p95);
      },
    };
  }
}

function keyList(keys: KeyResolution): string[] {
  if (keys === undefined || keys === '') return [];
  if (typeof keys === 'string') return [keys];
  return keys.filter((k) => k !== '');
}

function estimated(c: PlannedCandidate): EstimatedCandidate {
  return { provider: c.runtime.config, estimateUsd: c.estimateUsd };
}

function answeredBefore(all: MetricsSnapshot): string[] {
  return Object.entries(all.providers)
    .filter(([, stats]) => stats.successes > 0)
    .map(([id]) => id);
}

function validateRequest(req: ChatRequest): void {
  if (!Array.isArray(req.messages) || req.messages.length === 0) {
    throw new TypeError('A chat request needs at least one message.');
  }
}
