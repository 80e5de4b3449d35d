import type { ChatResult } from '../engine/types';

/** The `ask --json` contract: field names and order are part of the CLI's public interface. */
export function resultJson(r: ChatResult): Record<string, unknown> {
  return {
    text: r.text,
    toolCalls: r.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
    provider: r.provider,
    model: r.model,
    cached: r.cached,
    latencyMs: round(r.latencyMs),
    costUsd: r.costUsd,
    usage: { inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens, cachedInputTokens: r.usage.cachedInputTokens, cacheWriteTokens: r.usage.cacheWriteTokens },
    finishReason: r.finishReason,
    ...(r.timeToFirstTokenMs !== undefined ? { timeToFirstTokenMs: round(r.timeToFirstTokenMs) } : {}),
    attempts: r.attempts.map((a) => ({
      provider: a.provider,
      model: a.model,
      outcome: a.outcome,
      ...(a.errorClass !== undefined ? { errorClass: a.errorClass } : {}),
      ...(a.status !== undefined ? { status: a.status } : {}),
      ...(a.message !== undefined ? { message: a.message } : {}),
      latencyMs: round(a.latencyMs),
      ...(a.hedged ? { hedged: true } : {}),
    })),
  };
}

/** One line for people: who answered, how fast, at what cost. */
export function summaryLine(r: ChatResult): string {
  const cost = r.costUsd === null ? 'cost unknown' : `$${r.costUsd.toFixed(6)}`;
  const fallbacks = r.attempts.filter((a) => a.outcome !== 'ok').length;
  return `[${r.provider} · ${r.model} · ${Math.round(r.latencyMs)} ms · ${cost}${r.cached ? ' · cached' : ''}${fallbacks ? ` · ${fallbacks} failed/skipped attempt(s)` : ''}]`;
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
