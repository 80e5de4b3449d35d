import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { seededRandom } from '../support/seededRandom';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { Agent } from 'undici';
import { parseConfig } from '../../src/engine/config/loadConfig';
import type { RouterConfig, RoutingStrategy } from '../../src/engine/config/schema';
import { RouterEngine } from '../../src/engine/engine';
import { createDispatcher } from '../../src/engine/http/dispatcher';
import type { ChatMessage, ChatRequest, ChatResult, ProviderKind, ToolCall } from '../../src/engine/types';
import { announcedHoldMs, faultName } from './chaosFaults';
import { CHAOS_TOOLS, ChaosFleet, expectedToolCalls, tagOf, toolPrompt, type PhaseTraffic } from './chaosFleet';
import { BreakerWatch, type BreakerViolation } from './breakerWatch';
import { observeDispatches, type ObservedDispatch } from './dispatchObserver';
import { judgeOutcome, type Judged, type OutcomeKind } from './requestOutcome';
import { checkRetryAfter, type RetryAfterReport, type RetryAfterViolation, type WaitWindow } from './retryAfterCheck';

export interface ChaosOptions {
  /** Chat requests in total, over all phases. */
  requests?: number;
  /** Requests in flight at once in the concurrent phases. */
  concurrency?: number;
  /** Probability that a faulty provider's emulator answers a request with a random fault. */
  faultRate?: number;
  seed?: number;
  /** Share of requests the caller cancels at a random moment. */
  cancelRate?: number;
  /** Share of requests that offer tools: first turns answered with one or two tool calls, and follow-ups carrying earlier calls and their results. */
  toolShare?: number;
  /** Total time for one attempt (timeouts.totalMs); the first-token timeout is two thirds of it. Default 3000. */
  attemptTimeoutMs?: number;
  /** Fake API keys by provider id (the secrets test runs the chaos with known keys). */
  keys?: Record<string, string>;
  /** Kept after the run when given (e.g. to scan it); otherwise a temp dir that is removed. */
  stateDir?: string;
  log?: (line: string) => void;
}

export interface PhaseFigures {
  name: string;
  /** The provider that gets no faults in this phase, or null when all are faulty. */
  healthy: string | null;
  requests: number;
  concurrency: number;
  outcomes: Record<OutcomeKind, number>;
  /** answered / (requests − caller cancellations − streams broken after text or a tool call was shown). */
  successRate: number;
  durationMs: number;
  faultsInjected: number;
}

export interface ChaosFigures {
  options: Required<Pick<ChaosOptions, 'requests' | 'concurrency' | 'faultRate' | 'seed' | 'cancelRate' | 'toolShare' | 'attemptTimeoutMs'>>;
  durationMs: number;
  phases: PhaseFigures[];
  outcomes: Record<OutcomeKind, number>;
  /** Over the phases with one healthy provider. */
  healthy: { eligible: number; answered: number; successRate: number };
  tools: ToolFigures;
  faults: { injected: number; byKind: Record<string, number> };
  httpRequests: { dispatched: number; received: number; untimed: number };
  /** Why requests failed although a healthy provider was configured (the first few). */
  healthyFailures: string[];
  /** Things that must never happen; empty on a good run. Counted, with the first few described. */
  problems: { count: number; samples: string[] };
  breaker: { transitions: Record<string, number>; probes: number; violations: BreakerViolation[] };
  retryAfter: { windows: number; inFlightExempt: number; unmatched: number; violations: RetryAfterViolation[] };
  /** Answers announcing 0 requests left until a reset, and requests that reached the provider before it (would be 429s). */
  headroom: { windows: number; inFlightExempt: number; violations: RetryAfterViolation[] };
  unhandledRejections: number;
  heap: { startMB: number; endMB: number; growthMB: number };
  sockets: {
    /** Server-side sockets open after the warm-up (idle keep-alive connections). */
    baseline: number;
    peak: number;
    /** After the last request settled: open on the servers, connected and busy in the engine's client. */
    afterRun: number;
    clientConnectedAfterRun: number;
    clientBusyAfterRun: number;
    afterClose: number;
  };
  engineWarnings: string[];
  /** Event-loop delay over the run (engine and emulators share one thread), ms. */
  eventLoopDelay: { p99: number; max: number };
}

const PROVIDERS: { id: string; kind: ProviderKind }[] = [
  { id: 'openai', kind: 'openai' },
  { id: 'anthropic', kind: 'anthropic' },
  { id: 'gemini', kind: 'gemini' },
];

interface Phase {
  name: string;
  share: number;
  faulty: string[];
  strategy: RoutingStrategy;
  /** Priority order, first = tried first. */
  order?: string[];
  hedging?: boolean;
  sequential?: boolean;
  /** This provider's emulator is stopped for the first half of the phase (connection refused). */
  refused?: string;
  /** The first phase only warms up (JIT, pools); heap and sockets are measured from its end. */
  warmUp?: boolean;
}

const ALL = PROVIDERS.map((p) => p.id);

const PHASES: Phase[] = [
  { name: 'warm-up, no faults', share: 0.04, faulty: [], strategy: 'priority', warmUp: true },
  { name: 'priority, healthy provider last', share: 0.28, faulty: ['openai', 'anthropic'], strategy: 'priority', order: ['openai', 'anthropic', 'gemini'] },
  { name: 'weighted + hedging', share: 0.2, faulty: ['anthropic', 'gemini'], strategy: 'weighted', hedging: true },
  { name: 'sequential, latency', share: 0.08, faulty: ['openai', 'gemini'], strategy: 'latency', sequential: true },
  { name: 'connection refused', share: 0.1, faulty: ['anthropic'], strategy: 'priority', order: ['openai', 'anthropic', 'gemini'], refused: 'openai' },
  { name: 'all providers faulty', share: 0.3, faulty: ALL, strategy: 'priority' },
];

/**
 * Small timeouts so thousands of faulty requests finish in seconds, yet long enough that queueing on a busy
 * machine (engine and three emulators share one thread; at 64 in flight on two shared cores a healthy reply
 * can take 2-3 s to be read) does not make the healthy provider look dead.
 */
const SETTINGS = {
  retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 60 },
  breaker: { consecutiveFailures: 5, failureRateThreshold: 0.5, minimumRequests: 20, samplingWindowMs: 2_000, halfOpenAfterMs: 100, maxHalfOpenAfterMs: 800 },
  cache: { enabled: true, ttlSeconds: 600, maxBytes: 512 * 1024 },
};
const CONNECT_TIMEOUT_MS = 500;
const REQUEST_BUDGET_MS = 20_000;
const WATCHDOG_MS = REQUEST_BUDGET_MS + 5_000;
const SHARED_PROMPTS = 8;

export interface ToolFigures {
  /** Requests that offered tools: first turns (answered with tool calls) and follow-ups (earlier calls and results, answered with text). */
  requests: number;
  firstTurns: number;
  followUps: number;
  /** Answers ending in tool calls, each checked call by call against the full answer of the provider that gave it. */
  toolCallAnswers: number;
  /** Tool calls handed to onToolCall while streaming, and how many of them were not whole (must stay 0). */
  callsHandedOver: number;
  callsIncomplete: number;
  /** Tool-calling requests in the phases with one healthy provider. */
  healthy: { eligible: number; answered: number; successRate: number };
  /** Streams cut inside a tool call's arguments, and how the requests they hit ended. */
  argumentCuts: { injected: number; answered: number; brokenAfterToolCall: number; brokenAfterText: number; failed: number; cancelled: number; reportedComplete: number };
}

const emptyOutcomes = (): Record<OutcomeKind, number> => ({ answered: 0, failed: 0, 'broken-after-text': 0, 'broken-after-tool-call': 0, cancelled: 0, budget: 0, 'untyped-error': 0, hung: 0 });

/** Outcomes that cannot count for or against the router: the caller gave up, or part of the answer was already shown. */
const NOT_COUNTED: OutcomeKind[] = ['cancelled', 'broken-after-text', 'broken-after-tool-call'];
const excludedFromSuccess = (o: Record<OutcomeKind, number>) => NOT_COUNTED.reduce((n, k) => n + o[k], 0);

/** How one request of a phase was planned and ended, for matching it with the faults the emulators logged. */
interface Settled {
  plan: RequestPlan;
  judged: Judged;
  /** Tool calls handed to onToolCall. */
  handedOver: number;
}

export async function runChaos(opts: ChaosOptions = {}): Promise<ChaosFigures> {
  const options = {
    requests: opts.requests ?? 5_000,
    concurrency: opts.concurrency ?? 32,
    faultRate: opts.faultRate ?? 0.25,
    seed: opts.seed ?? 1,
    cancelRate: opts.cancelRate ?? 0.05,
    toolShare: opts.toolShare ?? 0.3,
    attemptTimeoutMs: opts.attemptTimeoutMs ?? 3_000,
  };
  const log = opts.log ?? (() => undefined);
  const gc = exposeGc();
  const started = performance.now();

  let unhandled = 0;
  const onUnhandled = () => void unhandled++;
  process.on('unhandledRejection', onUnhandled);

  const fleet = await ChaosFleet.start(PROVIDERS);
  const stateDir = opts.stateDir ?? (await mkdtemp(path.join(tmpdir(), 'llm-router-chaos-')));
  const byOrigin = new Map(ALL.map((id) => [fleet.origin(id), id]));
  let phaseDispatches: ObservedDispatch[] = [];
  let dispatched = 0;
  let watch: BreakerWatch | undefined;
  const agent = createDispatcher({ connectTimeoutMs: CONNECT_TIMEOUT_MS }) as Agent;
  const dispatcher = observeDispatches(agent, (origin) => byOrigin.get(origin), (d) => {
    dispatched++;
    phaseDispatches.push(d);
    watch?.onDispatch(d);
  });
  const keys = opts.keys ?? Object.fromEntries(ALL.map((id) => [id, `sk-chaos-${id}-key`]));
  const warnings: string[] = [];
  const figures = emptyFigures(options, warnings);
  const engine = new RouterEngine({
    config: configFor(fleet, PHASES[0], options.attemptTimeoutMs),
    stateDir,
    dispatcher,
    resolveKey: (p) => keys[p.id],
    warn: (m) => warnings.push(m),
  });
  watch = new BreakerWatch(engine);
  let currentHealthy: string | null = null;
  engine.onEvent((e) => {
    if (e.type !== 'breaker' || e.to !== 'open' || e.provider !== currentHealthy) return;
    const last = engine.providers().find((p) => p.id === e.provider)?.breaker.lastError;
    if (figures.healthyFailures.length < 10) figures.healthyFailures.push(`breaker of healthy ${e.provider} opened (${e.reason}): ${last?.errorClass} ${last?.message}`);
  });

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const problem = (what: string) => {
    figures.problems.count++;
    if (figures.problems.samples.length < 20) figures.problems.samples.push(what);
  };
  const sampler = setInterval(() => {
    figures.sockets.peak = Math.max(figures.sockets.peak, fleet.openConnections());
  }, 20);
  sampler.unref();

  let carry: WaitWindow[] = [];
  let headroomCarry: WaitWindow[] = [];
  let next = 0;
  try {
    for (let pi = 0; pi < PHASES.length; pi++) {
      const phase = PHASES[pi];
      const last = pi === PHASES.length - 1;
      const count = last ? options.requests - next : Math.max(1, Math.round(options.requests * phase.share));
      const first = next;
      next += count;
      const healthy = phase.warmUp ? null : (ALL.find((id) => !phase.faulty.includes(id) && id !== phase.refused) ?? null);
      currentHealthy = healthy;
      engine.updateConfig(configFor(fleet, phase, options.attemptTimeoutMs));
      for (const [k, id] of ALL.entries()) fleet.setFaultRate(id, phase.faulty.includes(id) ? options.faultRate : 0, options.seed * 1009 + pi * 31 + k);
      if (phase.refused) await fleet.stop(phase.refused);
      phaseDispatches = [];
      const settledByTag = new Map<string, Settled>();

      const pf: PhaseFigures = { name: phase.name, healthy, requests: count, concurrency: phase.sequential ? 1 : options.concurrency, outcomes: emptyOutcomes(), successRate: 1, durationMs: 0, faultsInjected: 0 };
      const t0 = performance.now();
      let restart: Promise<void> | undefined;
      let cursor = first;
      const worker = async () => {
        while (cursor < first + count) {
          const i = cursor++;
          if (phase.refused && !restart && i - first >= count / 2) restart = fleet.restart(phase.refused);
          const settled = await runOne(engine, i, options, phase);
          const r = settled.judged;
          pf.outcomes[r.kind]++;
          countTools(figures.tools, settled, healthy !== null);
          if (!settled.plan.shared) settledByTag.set(tagOf(settled.plan.prompt), settled);
          if (r.problem) problem(`#${i} (${phase.name}): ${r.problem}`);
          if (r.kind === 'failed' && healthy !== null && figures.healthyFailures.length < 10) {
            if (figures.healthyFailures.length === 0) figures.healthyFailures.push(`at ${performance.now().toFixed(0)}, breaker transitions before: ${watch?.recent.join('; ')}`);
            figures.healthyFailures.push(`#${i} (${phase.name}): ${r.detail}`);
          }
        }
      };
      await Promise.all(Array.from({ length: pf.concurrency }, worker));
      await restart;
      pf.durationMs = performance.now() - t0;

      const traffic = fleet.takeTraffic();
      const phaseEnd = performance.now();
      const ra = checkRetryAfter(traffic, phaseDispatches, carry, phaseEnd);
      carry = ra.carry;
      const hr = checkRetryAfter(traffic, phaseDispatches, headroomCarry, phaseEnd, 5, announcedHoldMs);
      headroomCarry = hr.carry;
      figures.headroom.windows += hr.windows;
      figures.headroom.inFlightExempt += hr.inFlightExempt;
      figures.headroom.violations.push(...hr.violations);
      addPhase(figures, pf, traffic, ra, healthy);
      countArgumentCuts(figures.tools, traffic, settledByTag);
      phaseDispatches = [];
      log(`${phase.name}: ${count} requests in ${Math.round(pf.durationMs)} ms, ${pf.outcomes.answered} answered, ${pf.faultsInjected} faults`);

      if (phase.warmUp) {
        figures.heap.startMB = heapAfterGc(gc);
        await settleSockets(fleet, agent);
        figures.sockets.baseline = fleet.openConnections();
      }
    }

    await settleSockets(fleet, agent);
    figures.sockets.afterRun = fleet.openConnections();
    const client = clientStats(agent);
    figures.sockets.clientConnectedAfterRun = client.connected;
    figures.sockets.clientBusyAfterRun = client.busy;
    figures.heap.endMB = heapAfterGc(gc);
    figures.heap.growthMB = figures.heap.endMB - figures.heap.startMB;
  } finally {
    clearInterval(sampler);
    loopDelay.disable();
    figures.eventLoopDelay = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
    watch.stop();
    figures.breaker.transitions = watch.transitions;
    figures.breaker.probes = watch.probes;
    figures.breaker.violations = watch.violations;
    await engine.close();
    await agent.close();
    await waitFor(() => fleet.openConnections() === 0, 2_000);
    figures.sockets.afterClose = fleet.openConnections();
    await fleet.close();
    if (!opts.stateDir) await rm(stateDir, { recursive: true, force: true });
    // Rejections surface a tick after they happen; give late ones the chance to be counted.
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.off('unhandledRejection', onUnhandled);
  }
  figures.unhandledRejections = unhandled;
  figures.httpRequests.dispatched = dispatched;
  figures.healthy.successRate = figures.healthy.eligible === 0 ? 1 : figures.healthy.answered / figures.healthy.eligible;
  const th = figures.tools.healthy;
  th.successRate = th.eligible === 0 ? 1 : th.answered / th.eligible;
  figures.durationMs = performance.now() - started;
  return figures;
}

function emptyFigures(options: ChaosFigures['options'], warnings: string[]): ChaosFigures {
  return {
    options,
    durationMs: 0,
    phases: [],
    outcomes: emptyOutcomes(),
    healthy: { eligible: 0, answered: 0, successRate: 1 },
    tools: {
      requests: 0,
      firstTurns: 0,
      followUps: 0,
      toolCallAnswers: 0,
      callsHandedOver: 0,
      callsIncomplete: 0,
      healthy: { eligible: 0, answered: 0, successRate: 1 },
      argumentCuts: { injected: 0, answered: 0, brokenAfterToolCall: 0, brokenAfterText: 0, failed: 0, cancelled: 0, reportedComplete: 0 },
    },
    faults: { injected: 0, byKind: {} },
    httpRequests: { dispatched: 0, received: 0, untimed: 0 },
    healthyFailures: [],
    problems: { count: 0, samples: [] },
    breaker: { transitions: {}, probes: 0, violations: [] },
    retryAfter: { windows: 0, inFlightExempt: 0, unmatched: 0, violations: [] },
    headroom: { windows: 0, inFlightExempt: 0, violations: [] },
    unhandledRejections: 0,
    heap: { startMB: 0, endMB: 0, growthMB: 0 },
    sockets: { baseline: 0, peak: 0, afterRun: 0, clientConnectedAfterRun: 0, clientBusyAfterRun: 0, afterClose: 0 },
    engineWarnings: warnings,
    eventLoopDelay: { p99: 0, max: 0 },
  };
}

/** Adds one finished phase's outcomes, faults and Retry-After findings to the run's figures. */
function addPhase(figures: ChaosFigures, pf: PhaseFigures, traffic: PhaseTraffic[], ra: RetryAfterReport, healthy: string | null): void {
  figures.retryAfter.windows += ra.windows;
  figures.retryAfter.inFlightExempt += ra.inFlightExempt;
  figures.retryAfter.unmatched += ra.unmatched;
  figures.retryAfter.violations.push(...ra.violations);
  for (const t of traffic) {
    figures.httpRequests.received += t.recorded;
    figures.httpRequests.untimed += t.recorded - t.received.length;
    pf.faultsInjected += t.faultLog.length;
    for (const f of t.faultLog) {
      const name = faultName(f.fault);
      figures.faults.byKind[name] = (figures.faults.byKind[name] ?? 0) + 1;
    }
  }
  figures.faults.injected += pf.faultsInjected;
  const eligible = pf.requests - excludedFromSuccess(pf.outcomes);
  pf.successRate = eligible === 0 ? 1 : pf.outcomes.answered / eligible;
  if (healthy !== null) {
    figures.healthy.eligible += eligible;
    figures.healthy.answered += pf.outcomes.answered;
  }
  for (const k of Object.keys(pf.outcomes) as OutcomeKind[]) figures.outcomes[k] += pf.outcomes[k];
  figures.phases.push(pf);
}

interface RequestPlan {
  /** The first user message; it names the request (its tag) and decides the answer. */
  prompt: string;
  request: ChatRequest;
  /** 'tools': a first turn answered with tool calls; 'follow-up': earlier calls and their results, answered with text. */
  kind: 'text' | 'tools' | 'follow-up';
  /** Calls the answer of a 'tools' request ends in. */
  calls: number;
  stream: boolean;
  /** Streaming with onText (and, for tool requests, onToolCall) listening. */
  listens: boolean;
  /** A prompt other requests repeat (answered from the cache). */
  shared: boolean;
  /** undefined: the caller never cancels; 0: cancelled before the call; else ms after the call. */
  cancelAfterMs?: number;
}

/** Call ids in the style of the provider that made the earlier turn: the next provider may be another one. */
const HISTORY_IDS = [(i: number, k: number) => `call_chaos${i}x${k}`, (i: number, k: number) => `toolu_01Chaos${i}X${k}`, (i: number, k: number) => `chaos-${i}-${k}`];

/** A follow-up turn: the first turn's calls, as one provider made them, and their results. */
function followUpMessages(tag: string, i: number, rnd: () => number, question: string): ChatMessage[] {
  const by = ALL[Math.floor(rnd() * ALL.length)];
  const calls = expectedToolCalls(by, toolPrompt(tag, rnd() < 0.5 ? 1 : 2));
  const idOf = HISTORY_IDS[Math.floor(rnd() * HISTORY_IDS.length)];
  const made: ToolCall[] = calls.map((c, k) => ({ id: idOf(i, k), ...c }));
  return [
    { role: 'user', content: question },
    { role: 'assistant', content: made.map((c) => ({ type: 'tool_call' as const, ...c })) },
    { role: 'tool', content: made.map((c, k) => ({ type: 'tool_result' as const, callId: c.id, content: k === 0 ? '{"temperature": 18, "sky": "clear"}' : 'Found 3 pages on breakers.' })) },
  ];
}

function planFor(i: number, options: ChaosFigures['options'], phase: Phase): RequestPlan {
  const rnd = seededRandom(options.seed * 1_000_003 + i);
  const offersTools = rnd() < options.toolShare;
  // Half the text requests stream; tool-calling ones mostly do, as chat agents in an editor stream.
  const stream = rnd() < (offersTools ? 0.7 : 0.5);
  const listens = stream && rnd() < 0.7;
  // One request in a hundred is cancelled before the call, so every run cancels some, whatever the machine's speed.
  const cancelFirst = options.cancelRate > 0 && i % 100 === 37;
  const cancel = cancelFirst || rnd() < options.cancelRate;
  const cancelAfterMs = cancel ? (cancelFirst || rnd() < 0.1 ? 0 : 1 + Math.floor(rnd() * 80)) : undefined;
  const base = { stream, maxTokens: 64, purpose: 'chaos' };
  if (offersTools) {
    const tag = String(i);
    const firstTurn = rnd() < 0.7;
    const calls = firstTurn ? (rnd() < 0.6 ? 1 : 2) : 0;
    const prompt = firstTurn ? toolPrompt(tag, calls) : `chaos#${tag} summarise what the tools found`;
    const messages = firstTurn ? [{ role: 'user' as const, content: prompt }] : followUpMessages(tag, i, rnd, prompt);
    const toolChoice = firstTurn && rnd() < 0.3 ? ('required' as const) : undefined;
    const request: ChatRequest = { ...base, messages, tools: CHAOS_TOOLS, ...(toolChoice ? { toolChoice } : {}) };
    return { prompt, request, kind: firstTurn ? 'tools' : 'follow-up', calls, stream, listens, shared: false, cancelAfterMs };
  }
  // Repeated prompts (answered from the cache) only in the sequential phase, where every request is unique in flight.
  const shared = phase.sequential === true && rnd() < 0.15;
  const prompt = shared ? `chaos#shared-${Math.floor(rnd() * SHARED_PROMPTS)} tell me` : `chaos#${i} tell me`;
  return { prompt, request: { ...base, messages: [{ role: 'user', content: prompt }] }, kind: 'text', calls: 0, stream, listens, shared, cancelAfterMs };
}

async function runOne(engine: RouterEngine, i: number, options: ChaosFigures['options'], phase: Phase): Promise<Settled> {
  const plan = planFor(i, options, phase);
  const controller = plan.cancelAfterMs === undefined ? undefined : new AbortController();
  let cancelTimer: NodeJS.Timeout | undefined;
  if (controller && plan.cancelAfterMs === 0) controller.abort();
  else if (controller) cancelTimer = setTimeout(() => controller.abort(), plan.cancelAfterMs);
  const deltas: string[] | undefined = plan.listens ? [] : undefined;
  const calls: ToolCall[] | undefined = plan.listens && plan.kind !== 'text' ? [] : undefined;
  const call = engine.chat(plan.request, {
    signal: controller?.signal,
    onText: deltas ? (d) => void deltas.push(d) : undefined,
    onToolCall: calls ? (c) => void calls.push(c) : undefined,
  });
  const settled = await withWatchdog(call, WATCHDOG_MS);
  clearTimeout(cancelTimer);
  return { plan, judged: judgeOutcome(plan.prompt, settled, { deltas, calls }, controller?.signal.aborted ?? false, ALL), handedOver: calls?.length ?? 0 };
}

/** Adds one tool-calling request to the tool figures. */
function countTools(t: ToolFigures, { plan, judged, handedOver }: Settled, healthyPhase: boolean): void {
  if (plan.kind === 'text') return;
  t.callsHandedOver += handedOver;
  t.requests++;
  if (plan.kind === 'tools') t.firstTurns++;
  else t.followUps++;
  if (judged.kind === 'answered' && plan.kind === 'tools') t.toolCallAnswers++;
  t.callsIncomplete += judged.badCalls ?? 0;
  if (!healthyPhase) return;
  if (NOT_COUNTED.includes(judged.kind)) return;
  t.healthy.eligible++;
  if (judged.kind === 'answered') t.healthy.answered++;
}

/** Matches every streamed cut inside tool-call arguments with the request it hit, and tallies how that request ended. */
function countArgumentCuts(t: ToolFigures, traffic: PhaseTraffic[], byTag: Map<string, Settled>): void {
  const cuts = t.argumentCuts;
  for (const tr of traffic) {
    for (const entry of tr.faultLog) {
      if (entry.fault.type !== 'cutInArguments' || !tr.streamed[entry.seq]) continue;
      const hit = byTag.get(tr.received[entry.seq]?.tag ?? '');
      // A cut "inside the second call" of a one-call answer is a plain cut after the first frame.
      if (!hit || hit.plan.kind !== 'tools' || hit.plan.calls <= (entry.fault.callIndex ?? 0)) continue;
      cuts.injected++;
      const j = hit.judged;
      if (j.problem) cuts.reportedComplete++;
      if (j.kind === 'answered') cuts.answered++;
      else if (j.kind === 'broken-after-tool-call') cuts.brokenAfterToolCall++;
      else if (j.kind === 'broken-after-text') cuts.brokenAfterText++;
      else if (j.kind === 'cancelled') cuts.cancelled++;
      else cuts.failed++;
    }
  }
}

function withWatchdog(p: Promise<ChatResult>, ms: number): Promise<{ ok: true; value: ChatResult } | { ok: false; error: unknown } | { hung: true }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ hung: true }), ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ ok: false, error });
      },
    );
  });
}

function configFor(fleet: ChaosFleet, phase: Phase, attemptTimeoutMs: number): RouterConfig {
  const order = phase.order ?? ALL;
  const raw = {
    ...SETTINGS,
    timeouts: { connectMs: CONNECT_TIMEOUT_MS, firstTokenMs: Math.round((attemptTimeoutMs * 2) / 3), totalMs: attemptTimeoutMs },
    providers: ALL.map((id) => ({
      id,
      kind: fleet.kind(id),
      model: `${id}-model`,
      baseUrl: fleet.baseUrl(id),
      priority: order.indexOf(id) + 1,
    })),
    routing: { strategy: phase.strategy, requestBudgetMs: REQUEST_BUDGET_MS, hedging: { enabled: phase.hedging === true, minDelayMs: 30 } },
  };
  return parseConfig(raw).config;
}

function clientStats(agent: Agent): { connected: number; busy: number } {
  let connected = 0;
  let busy = 0;
  const stats = (agent as unknown as { stats: Record<string, { connected?: number; running?: number; pending?: number; queued?: number }> }).stats;
  for (const s of Object.values(stats)) {
    connected += s.connected ?? 0;
    busy += (s.running ?? 0) + (s.pending ?? 0) + (s.queued ?? 0);
  }
  return { connected, busy };
}

/** Aborted and finished requests close their sockets a moment later; wait until both sides agree. */
async function settleSockets(fleet: ChaosFleet, agent: Agent): Promise<void> {
  await waitFor(() => {
    const c = clientStats(agent);
    return c.busy === 0 && fleet.openConnections() === c.connected;
  }, 2_000);
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond() && performance.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
}

function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

