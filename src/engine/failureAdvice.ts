import { isLoopbackHost } from './http/endpointSecurity';
import type { ProviderKind } from './types';

/** A next step a surface can offer as a button; every surface maps it to the same command. */
export type FailureAction = 'addProvider' | 'setApiKey' | 'openSettings' | 'showLog';

export const ACTION_LABEL: Record<FailureAction, string> = {
  addProvider: 'Add Provider',
  setApiKey: 'Set API Key',
  openSettings: 'Open Settings',
  showLog: 'Show Log',
};

/** What is known about one failed (or skipped) attempt; never a key. */
export interface FailureFacts {
  provider: string;
  errorClass: string;
  kind?: ProviderKind;
  /** The provider's effective base URL. */
  baseUrl?: string;
  status?: number;
  /** The engine's own message for the attempt (already key-free). */
  message?: string;
}

export interface FailureAdvice {
  /** One sentence: the provider, the cause, the next step. */
  text: string;
  actions: FailureAction[];
  /** The settings query Open Settings should show. */
  setting?: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  529: 'Overloaded',
};

/** `host:port` of a URL, or the URL itself when it does not parse. */
function hostOf(baseUrl: string | undefined): string | undefined {
  if (!baseUrl) return undefined;
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

function isLocal(baseUrl: string | undefined): boolean {
  try {
    return baseUrl !== undefined && isLoopbackHost(new URL(baseUrl).hostname);
  } catch {
    return false;
  }
}

/** Maps (error class, provider kind/host, status) to the sentence and buttons every surface shows. */
export function adviseFailure(f: FailureFacts): FailureAdvice {
  const who = `Provider '${f.provider}'`;
  const host = hostOf(f.baseUrl);
  const status = f.status ? `${f.status}${STATUS_TEXT[f.status] ? ` ${STATUS_TEXT[f.status]}` : ''}` : undefined;
  const at = host ? ` at ${host}` : '';
  // The engine's messages start with the provider's name, which the sentence already gives.
  const detail = f.message?.replace(/^Provider '[^']*': /, '').replace(/\.$/, '') || undefined;
  switch (f.errorClass) {
    case 'connection':
      if (f.kind === 'ollama' && isLocal(f.baseUrl)) {
        return { text: `Ollama isn't running on ${host} (provider '${f.provider}') — start it (ollama serve), or add a provider`, actions: ['addProvider', 'showLog'] };
      }
      if (isLocal(f.baseUrl)) {
        return { text: `${who}: nothing is listening on ${host} — start the local server, or add a provider`, actions: ['addProvider', 'showLog'] };
      }
      return { text: `${who}: cannot connect to ${host ?? 'its host'} — check the network, a proxy (http.proxy) or its baseUrl`, actions: ['openSettings', 'showLog'], setting: 'llmRouter.providers' };
    case 'auth':
      return { text: `${who}: ${status ?? 'authentication failed'} — the key was refused; run 'LLM Router: Set API Key'`, actions: ['setApiKey', 'showLog'] };
    case 'missing_key':
      return { text: `${who}: no API key is stored — run 'LLM Router: Set API Key'`, actions: ['setApiKey'] };
    case 'quota_exceeded':
      return { text: `${who}: ${status ?? 'quota exceeded'} — the account's quota or credit is used up; check its billing, or add another provider`, actions: ['addProvider', 'showLog'] };
    case 'rate_limited':
      return { text: `${who}: ${status ?? 'rate limited'} — it is tried again after the wait it asked for; or add another provider`, actions: ['addProvider', 'showLog'] };
    case 'overloaded':
    case 'server_error':
      return { text: `${who}: ${status ?? 'server error'}${at} — the service is having trouble; try again shortly`, actions: ['showLog'] };
    case 'timeout': {
      // Name the one setting behind the timeout that fired: a first token is waited for interactiveFirstTokenMs in
      // editor commands and firstTokenMs otherwise; a whole answer for totalMs (or the provider's own timeoutMs).
      const firstToken = /first token/i.test(f.message ?? '');
      const raise = firstToken ? 'llmRouter.timeouts.interactiveFirstTokenMs (editor commands) or llmRouter.timeouts.firstTokenMs' : 'llmRouter.timeouts.totalMs or the provider\'s timeoutMs';
      return {
        text: `${who} did not answer in time${at}${detail ? ` (${detail})` : ''} — it may be slow or hung; raise ${raise}, or add a faster provider`,
        actions: ['openSettings', 'showLog'],
        setting: firstToken ? 'llmRouter.timeouts.interactiveFirstTokenMs' : 'llmRouter.timeouts.totalMs',
      };
    }
    case 'malformed_response':
      return { text: `${who}: the answer could not be read — check that its kind and baseUrl match the service`, actions: ['openSettings', 'showLog'], setting: 'llmRouter.providers' };
    case 'stream_cut':
      return { text: `${who}: the answer stopped mid-stream — try again`, actions: ['showLog'] };
    case 'response_too_large':
      return { text: `${who}: the answer was larger than llmRouter.limits.maxResponseBytes — raise the limit or ask for less`, actions: ['openSettings'], setting: 'llmRouter.limits.maxResponseBytes' };
    case 'not_found':
      return { text: `${who}: ${status ?? 'not found'} — the model or endpoint does not exist there; check its model and baseUrl`, actions: ['openSettings', 'showLog'], setting: 'llmRouter.providers' };
    case 'bad_request':
      return { text: `${who}: ${status ?? 'request refused'}${detail ? ` (${detail})` : ''} — see the log for the provider's reason`, actions: ['showLog'] };
    case 'context_length':
      return { text: `${who}: the prompt is too long for its model — select less text, or add a model with a larger context window`, actions: ['addProvider'] };
    case 'content_policy':
      return { text: `${who}: the request was refused by the provider's content policy`, actions: ['showLog'] };
    case 'insecure_endpoint':
      return { text: `${who}: its baseUrl is plain http:// on a remote host, so no key is sent — use https://`, actions: ['openSettings'], setting: 'llmRouter.providers' };
    case 'breaker_open':
      return { text: `${who} was skipped: its circuit breaker is open after repeated failures — it is probed again shortly, or reset it from the dashboard`, actions: ['showLog'] };
    case 'budget_exceeded':
      return { text: `${who} was skipped: the request would exceed a budget — raise llmRouter.budget or wait`, actions: ['openSettings'], setting: 'llmRouter.budget' };
    default:
      return { text: `${who}: ${f.errorClass}${status ? ` (${status})` : ''}${detail ? ` — ${detail}` : ''}`, actions: ['showLog'] };
  }
}

/** Attempts that did not answer, as they reach the advice: the last word of each provider wins. */
export function adviseAttempts(failures: readonly FailureFacts[]): { lines: string[]; actions: FailureAction[]; setting?: string } {
  const lastByProvider = new Map<string, FailureFacts>();
  for (const f of failures) {
    if (f.errorClass === 'cancelled') continue;
    lastByProvider.delete(f.provider);
    lastByProvider.set(f.provider, f);
  }
  const advice = [...lastByProvider.values()].map(adviseFailure);
  const actions = [...new Set(advice.flatMap((a) => a.actions))];
  // Show Log goes last: the specific step comes first.
  const ordered = [...actions.filter((a) => a !== 'showLog'), ...(actions.includes('showLog') ? (['showLog'] as const) : [])];
  return { lines: advice.map((a) => a.text), actions: ordered, setting: advice.find((a) => a.setting)?.setting };
}
