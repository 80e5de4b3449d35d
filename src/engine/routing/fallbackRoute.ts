import { AllProvidersFailedError, CancelledError, describeStreamed } from '../errors';
import type { AttemptResult } from '../http/transport';
import { earliestTry, nextTry, waitForAvailability, wakeTime } from './availability';
import { BrokenAfterDeliveryError, ProviderUnavailable, runProvider, type ProviderRuntime, type RequestContext } from './providerAttempt';

export interface RouteOutcome {
  runtime: ProviderRuntime;
  result: AttemptResult;
}

export interface HedgePolicy {
  /** How long to wait for a provider before also starting the next one; undefined = do not hedge. */
  delayFor(runtime: ProviderRuntime): number | undefined;
}

/**
 * Walks the candidates in order until one answers completely. Failures fall through to the next provider;
 * cancellation and a stream broken after delivery end the request. When every remaining candidate is only
 * momentarily unavailable (breaker open or probing, Retry-After running, rate-limit headroom or limits.rpm/tpm used up), waits for the first to become
 * available within the request budget, then walks those again.
 */
export async function routeWithFallback(candidates: ProviderRuntime[], ctx: RequestContext, hedge?: HedgePolicy): Promise<RouteOutcome> {
  let racerSeq = 0;
  const nextRacer = () => `r${racerSeq++}`;
  let round = candidates;
  let waiting: ProviderRuntime[] = [];
  for (;;) {
    const unavailable: ProviderRuntime[] = [];
    const outcome = await walk(round, ctx, { unavailable, nextRacer, hedge, moreLater: waiting.some((rt) => !round.includes(rt)) });
    if (outcome) return outcome;
    // Still worth waiting for: found unavailable in this round, or left out of it because not yet available.
    const left = waiting.filter((rt) => !round.includes(rt));
    waiting = candidates.filter((rt) => unavailable.includes(rt) || left.includes(rt));
    round = await untilAvailable(waiting, ctx, candidates);
  }
}

/**
 * Waits until at least one of `waiting` may be called, and returns those that may, in their order.
 * Throws AllProvidersFailedError at once when none can become available before the deadline, saying when one of
 * `candidates` may be tried again.
 */
async function untilAvailable(waiting: ProviderRuntime[], ctx: RequestContext, candidates: ProviderRuntime[]): Promise<ProviderRuntime[]> {
  const sources = [...waiting.map((rt) => rt.breaker), ctx.host.pacing];
  for (;;) {
    const now = ctx.host.now();
    const tries = waiting.map((rt) => nextTry(rt.breaker, heldUntil(rt, ctx), now));
    const ready = waiting.filter((_, i) => tries[i].kind === 'now');
    if (ready.length > 0 && now < ctx.deadline) return ready;
    const wake = now < ctx.deadline ? wakeTime(tries, ctx.deadline) : undefined;
    if (wake === undefined) throw new AllProvidersFailedError(ctx.attempts, undefined, undefined, earliestTry(candidates.map((rt) => nextTry(rt.breaker, heldUntil(rt, ctx), now)), now));
    await waitForAvailability(sources, wake - now, ctx.signal);
  }
}

/** The latest of the provider's Retry-After, its rate-limit hold for this request and, with several keys all cooling down, the first key's return. */
function heldUntil(rt: ProviderRuntime, ctx: RequestContext): number | undefined {
  const id = rt.config.id;
  const holds = [ctx.host.coolingDownUntil(id), ctx.host.pacing.hold(id, ctx.req.model ?? rt.config.model, ctx.need)?.until, ctx.host.keys.allCoolingUntil(id)];
  const set = holds.filter((t): t is number => t !== undefined);
  return set.length === 0 ? undefined : Math.max(...set);
}

interface WalkOptions {
  /** Receives the candidates that were only momentarily unavailable. */
  unavailable: ProviderRuntime[];
  nextRacer(): string;
  hedge?: HedgePolicy;
  /** Whether candidates outside this walk may become available later (so even the last one has alternatives). */
  moreLater: boolean;
}

/** One pass over the candidates; undefined when none answered. */
async function walk(candidates: ProviderRuntime[], ctx: RequestContext, { unavailable, nextRacer, hedge, moreLater }: WalkOptions): Promise<RouteOutcome | undefined> {
  const start = (rt: ProviderRuntime, hasNext: boolean, hedged: boolean) => {
    const racer = nextRacer();
    // Measured: a controller for every racer costs ~10 µs per request on Node 20 (10-17 % of the engine's CPU in
    // `npm run bench`), so only a racer that a hedge or the stream gate may cancel alone gets one.
    const controller = hedge || ctx.streamGate ? new AbortController() : undefined;
    if (controller) ctx.streamGate?.register(racer, () => controller.abort());
    const promise = runProvider(rt, ctx, { racer, hasAlternatives: hasNext || moreLater, racerSignal: controller?.signal, hedged })
      .then((result) => ({ runtime: rt, result }))
      .catch((err: unknown) => {
        if (err instanceof ProviderUnavailable) unavailable.push(rt);
        throw err;
      })
      .finally(() => ctx.streamGate?.unregister(racer));
    return { racer, controller, promise };
  };

  for (let i = 0; i < candidates.length; ) {
    const primary = candidates[i];
    const next = candidates[i + 1];
    const delay = next && hedge ? hedge.delayFor(primary) : undefined;
    const a = start(primary, next !== undefined, false);
    if (delay === undefined) {
      try {
        return await a.promise;
      } catch (err) {
        throwIfFatal(err, ctx);
        i += 1;
        continue;
      }
    }
    const first = await raceTimer(a.promise, delay);
    if (first.kind === 'settled') {
      if (first.ok) return first.value;
      throwIfFatal(first.error, ctx);
      i += 1;
      continue;
    }
    // A stream that already produced text is not slow; let it finish rather than hedge.
    if (ctx.streamGate?.owner !== undefined) {
      try {
        return await a.promise;
      } catch (err) {
        throwIfFatal(err, ctx);
        i += 1;
        continue;
      }
    }
    const b = start(next as ProviderRuntime, candidates[i + 2] !== undefined, true);
    try {
      const winner = await firstSuccess([a.promise, b.promise]);
      const loser = winner.runtime === primary ? b : a;
      loser.controller?.abort();
      // The loser settles promptly once aborted; waiting lets its cancelled attempt appear in the result.
      await loser.promise.catch(() => undefined);
      return winner;
    } catch (err) {
      throwIfFatal(err, ctx);
      i += 2;
    }
  }
  return undefined;
}

function throwIfFatal(err: unknown, ctx: RequestContext): void {
  if (ctx.streamGate?.sinkError) throw ctx.streamGate.sinkError.error;
  if (err instanceof CancelledError || ctx.signal?.aborted) throw new CancelledError();
  if (err instanceof BrokenAfterDeliveryError) {
    const delivered = ctx.streamGate?.delivered ?? '';
    const what = describeStreamed(ctx.streamGate?.deliveredToolCalls ?? 0, delivered.length);
    throw new AllProvidersFailedError(
      ctx.attempts,
      delivered,
      `Provider '${err.cause.provider}' broke off its answer after ${what} had been streamed (${err.cause.errorClass}); the answer is incomplete.`,
    );
  }
  if (err instanceof AllProvidersFailedError) throw err;
}

type Raced<T> = { kind: 'timer' } | { kind: 'settled'; ok: true; value: T } | { kind: 'settled'; ok: false; error: unknown };

function raceTimer<T>(p: Promise<T>, ms: number): Promise<Raced<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'timer' }), ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'settled', ok: true, value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'settled', ok: false, error });
      },
    );
  });
}

/** Resolves with the first success; rejects with the most telling failure once every promise failed. */
function firstSuccess<T>(promises: Promise<T>[]): Promise<T> {
  return new Promise((resolve, reject) => {
    let failed = 0;
    let fatal: unknown;
    let last: unknown;
    for (const p of promises) {
      p.then(resolve, (err: unknown) => {
        if (err instanceof BrokenAfterDeliveryError || err instanceof CancelledError) fatal ??= err;
        last = err;
        if (++failed === promises.length) reject(fatal ?? last);
      });
    }
  });
}
