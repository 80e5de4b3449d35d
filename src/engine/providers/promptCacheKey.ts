import { createHash } from 'node:crypto';
import { estimateWindowTokens } from '../routing/capabilities';
import type { ChatRequest } from '../types';

/** OpenAI caches prompts of this many tokens or more; a shorter one gains nothing from a key (same guide). */
const OPENAI_MIN_CACHEABLE_TOKENS = 1_024;

/** Whether a request can reach OpenAI's cache at all; the estimate errs long, so a borderline prompt keeps its key. */
export function mayBeCached(req: ChatRequest): boolean {
  return estimateWindowTokens(req) >= OPENAI_MIN_CACHEABLE_TOKENS;
}

/**
 * OpenAI's `prompt_cache_key` for a conversation: requests sharing a key and a prefix are routed to the same
 * cache (developers.openai.com/api/docs/guides/prompt-caching, read 2026-12-03). A conversation's turns keep
 * its model, system prompt, tool names and first message while it grows, so a hash of those stays the same across
 * turns and differs between conversations. A hash, so no prompt text (and never a key) leaves in it.
 */
export function promptCacheKey(req: Pick<ChatRequest, 'system' | 'tools' | 'messages'>, model: string): string {
  const hash = createHash('sha256');
  // Each part length-prefixed, so no two different conversations hash the same text; the system prompt (often the
  // longest part) is hashed as it is rather than copied into one JSON string first.
  // Tool names, not their whole schemas: they tell tool sets apart as well, and the key only steers which cache serves.
  const tools = (req.tools ?? []).map((t) => t.name).join('\u0000');
  for (const part of [model, req.system ?? '', tools, JSON.stringify(req.messages[0] ?? null)]) hash.update(`${part.length}:`).update(part);
  return `llm-router-${hash.digest('hex').slice(0, 32)}`;
}
