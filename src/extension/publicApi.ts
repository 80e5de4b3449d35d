import * as vscode from 'vscode';
import { z } from 'zod';
import { AllProvidersFailedError, BudgetExceededError, CancelledError } from '../engine/errors';
import type { HealthState } from '../engine/health/providerHealth';
import type { AttemptRecord, ChatResult } from '../engine/types';
import type { RouterHost } from './routerHost';

/**
 * What another extension gets from `vscode.extensions.getExtension('llm-router.llm-router').exports`.
 * Every value is plain, frozen data built for the caller: nothing here holds a key, SecretStorage,
 * a provider's URL or headers, or the engine.
 */
export interface LlmRouterApi {
  readonly apiVersion: 1;
  /** Sends a request through the user's providers and routing; rejects with an LlmRouterError. */
  chat(request: LlmRouterChatRequest, options?: { signal?: AbortSignal }): Promise<LlmRouterChatResult>;
  /** A snapshot of each configured provider's health. */
  providers(): readonly LlmRouterProvider[];
  /** Fires when the providers or their health change; read providers() again. */
  readonly onDidChange: vscode.Event<void>;
}

export interface LlmRouterChatRequest {
  messages: { role: 'user' | 'assistant'; content: string }[];
  system?: string;
  temperature?: number;
  maxTokens?: number;
}

export interface LlmRouterAttempt {
  readonly provider: string;
  readonly model: string;
  readonly outcome: 'ok' | 'error' | 'skipped';
  readonly errorClass?: string;
  readonly status?: number;
  readonly message?: string;
  readonly latencyMs: number;
}

export interface LlmRouterChatResult {
  readonly text: string;
  readonly provider: string;
  readonly model: string;
  readonly cached: boolean;
  readonly latencyMs: number;
  /** null when the model's price is unknown. */
  readonly costUsd: number | null;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number; readonly cachedInputTokens: number };
  readonly finishReason: string;
  readonly attempts: readonly LlmRouterAttempt[];
}

export interface LlmRouterProvider {
  readonly id: string;
  readonly kind: string;
  readonly model: string;
  /** The same health the status bar and the dashboard show: healthy, degraded, unavailable, unknown or isolated. */
  readonly health: HealthState;
  /** One line saying why, e.g. "Breaker open until 10:42:05 after 5 consecutive timeout failures". */
  readonly reason: string;
  /** Whether the provider takes requests now (not unavailable, not isolated). */
  readonly available: boolean;
}

/** What chat() rejects with: `code` says why; `attempts` lists what was tried. */
export interface LlmRouterError extends Error {
  readonly name: 'LlmRouterError';
  readonly code: 'invalid_request' | 'all_providers_failed' | 'budget_exceeded' | 'cancelled' | 'failed';
  readonly attempts: readonly LlmRouterAttempt[];
}

const requestSchema = z.strictObject({
  messages: z.array(z.strictObject({ role: z.enum(['user', 'assistant']), content: z.string() })).min(1),
  system: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().optional(),
});

/** Builds the frozen API that activate() returns in production; its disposables go into `disposables`. */
export function createPublicApi(host: RouterHost, disposables: vscode.Disposable[]): LlmRouterApi {
  const changed = new vscode.EventEmitter<void>();
  const stopBreakerEvents = host.onEvent((event) => {
    if (event.type === 'breaker' || event.type === 'request-finished') changed.fire();
  });
  disposables.push(changed, host.onDidChangeConfig(() => changed.fire()), { dispose: stopBreakerEvents });

  const onDidChange: vscode.Event<void> = (listener, thisArgs, subscriptions) => {
    const sub = changed.event(listener, thisArgs);
    const handle = Object.freeze({ dispose: () => void sub.dispose() });
    subscriptions?.push(handle);
    return handle;
  };

  return Object.freeze({
    apiVersion: 1 as const,
    chat: (request: LlmRouterChatRequest, options?: { signal?: AbortSignal }) => chat(host, request, options?.signal),
    providers: () =>
      Object.freeze(
        host.providers().map(({ id, kind, model, health }) =>
          Object.freeze({ id, kind, model, health: health.state, reason: health.reason, available: health.state !== 'unavailable' && health.state !== 'isolated' }),
        ),
      ),
    onDidChange,
  });
}

async function chat(host: RouterHost, request: unknown, signal: AbortSignal | undefined): Promise<LlmRouterChatResult> {
  const parsed = requestSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw apiError('invalid_request', `LLM Router: invalid chat request at ${issue.path.join('.') || '(root)'}: ${issue.message}`, []);
  }
  const cancel = new vscode.CancellationTokenSource();
  const onAbort = () => cancel.cancel();
  signal?.addEventListener('abort', onAbort);
  if (signal?.aborted) cancel.cancel();
  try {
    return copyResult(await host.run({ ...parsed.data, purpose: 'extension-api' }, { token: cancel.token }));
  } catch (err) {
    throw toApiError(err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    cancel.dispose();
  }
}

function copyAttempt(a: AttemptRecord): LlmRouterAttempt {
  return Object.freeze({ provider: a.provider, model: a.model, outcome: a.outcome, errorClass: a.errorClass, status: a.status, message: a.message, latencyMs: a.latencyMs });
}

function copyResult(r: ChatResult): LlmRouterChatResult {
  return Object.freeze({
    text: r.text,
    provider: r.provider,
    model: r.model,
    cached: r.cached,
    latencyMs: r.latencyMs,
    costUsd: r.costUsd,
    usage: Object.freeze({ inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens, cachedInputTokens: r.usage.cachedInputTokens }),
    finishReason: r.finishReason,
    attempts: Object.freeze(r.attempts.map(copyAttempt)),
  });
}

/** A fresh error with only the message and attempts: never the engine's error, its cause or request options. */
function toApiError(err: unknown): LlmRouterError {
  if (err instanceof AllProvidersFailedError) return apiError('all_providers_failed', err.message, err.attempts.map(copyAttempt));
  if (err instanceof BudgetExceededError) return apiError('budget_exceeded', err.message, []);
  if (err instanceof CancelledError) return apiError('cancelled', err.message, []);
  return apiError('failed', `LLM Router: the request failed: ${err instanceof Error ? err.message : String(err)}`, []);
}

function apiError(code: LlmRouterError['code'], message: string, attempts: LlmRouterAttempt[]): LlmRouterError {
  const err = new Error(message) as Error & { code: string; attempts: readonly LlmRouterAttempt[] };
  err.name = 'LlmRouterError';
  err.code = code;
  err.attempts = Object.freeze(attempts);
  return Object.freeze(err) as LlmRouterError;
}
