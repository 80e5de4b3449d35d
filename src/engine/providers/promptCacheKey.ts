import { createHash } from 'node:crypto';
import type { ChatRequest } from '../types';

/**
 * OpenAI's `prompt_cache_key` for a conversation: requests sharing a key and a prefix are routed to the same
 * cache (developers.openai.com/api/docs/guides/prompt-caching, read 2026-12-03). A conversation's turns keep
 * its model, system prompt, tools and first message while it grows, so a hash of those stays the same across
 * turns and differs between conversations. A hash, so no prompt text (and never a key) leaves in it.
 */
export function promptCacheKey(req: Pick<ChatRequest, 'system' | 'tools' | 'messages'>, model: string): string {
  const stable = JSON.stringify([model, req.system ?? '', req.tools ?? [], req.messages[0] ?? null]);
  return `llm-router-${createHash('sha256').update(stable).digest('hex').slice(0, 32)}`;
}
