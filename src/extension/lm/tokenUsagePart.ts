import type { Usage } from '../../engine/types';

/**
 * Token usage travels between VS Code language models as a data part holding OpenAI-shaped usage JSON. Copilot Chat
 * reads it from any data part by its shape (prompt_tokens, completion_tokens and total_tokens all numbers; see
 * ExtensionContributedChatEndpoint in microsoft/vscode-copilot-chat, read 2026-12-04) and shows it as the request's
 * context use; its own models send it under this mime type.
 */
export const TOKEN_USAGE_MIME = 'token_usage';

interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

/** The data part's bytes for one answer's usage; prompt_tokens includes cached reads, as OpenAI counts them. */
export function tokenUsageBytes(usage: Usage): Uint8Array {
  const body: OpenAiUsage = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
  };
  return new TextEncoder().encode(JSON.stringify(body));
}

/** Usage from another vendor's data part, read by the same shape Copilot Chat reads; undefined for any other part. */
export function usageFromDataPart(part: { mimeType: string; data: Uint8Array }): Usage | undefined {
  if (part.mimeType.startsWith('image/') || part.data.byteLength > 4096) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(part.data));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const u = parsed as Partial<Record<keyof OpenAiUsage, unknown>>;
  if (!isCount(u.prompt_tokens) || !isCount(u.completion_tokens) || !isCount(u.total_tokens)) return undefined;
  const details = u.prompt_tokens_details as { cached_tokens?: unknown } | undefined;
  const cached = isCount(details?.cached_tokens) ? Math.min(details.cached_tokens, u.prompt_tokens) : 0;
  return { inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens, cachedInputTokens: cached, cacheWriteTokens: 0 };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}
