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

  /** Puts each remembered signature back on its tool call, in place: the request was parsed for this exchange alone. */
  restore(req: ChatRequest): void {
    if (this.byId.size === 0) return;
    for (const m of req.messages) {
      if (typeof m.content === 'string') continue;
      for (const p of m.content) {
        const signature = p.type === 'tool_call' && !p.signature ? this.byId.get(p.id) : undefined;
        if (signature && p.type === 'tool_call') p.signature = signature;
      }
    }
  }
}
