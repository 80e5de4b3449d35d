import { LRUCache } from 'lru-cache';
import type { ChatRequest, ToolCall } from '../engine/types';

/** Enough for the open tool calls of many long conversations; an evicted signature only matters to Gemini, on that one call. */
const MAX_REMEMBERED = 10_000;

/**
 * Gemini signs its function calls and wants each signature back with its call on the next turn; neither the
 * OpenAI nor the Anthropic wire format has a field for it, so the gateway keeps them by the call id the client saw.
 */
export class CallSignatures {
  private readonly byId = new LRUCache<string, string>({ max: MAX_REMEMBERED });

  remember(calls: readonly ToolCall[], clientId: (id: string) => string): void {
    for (const c of calls) if (c.signature) this.byId.set(clientId(c.id), c.signature);
  }

  /** The request with each remembered signature back on its tool call. */
  restore(req: ChatRequest): ChatRequest {
    if (this.byId.size === 0) return req;
    const messages = req.messages.map((m) => {
      if (typeof m.content === 'string' || !m.content.some((p) => p.type === 'tool_call' && !p.signature && this.byId.has(p.id))) return m;
      return { ...m, content: m.content.map((p) => (p.type === 'tool_call' && !p.signature && this.byId.has(p.id) ? { ...p, signature: this.byId.get(p.id) } : p)) };
    });
    return { ...req, messages };
  }
}
