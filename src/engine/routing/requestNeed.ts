import type { ChatRequest } from '../types';
import { estimateWindowTokens } from './capabilities';

/** What one request will take from a provider's rate limits, estimated before it is sent. */
export interface RequestNeed {
  inputTokens: number;
  /** `maxTokens` when the caller set it: providers count it against their token limits up front (OpenAI, Cerebras, Anthropic's OTPM). */
  outputTokens: number;
}

export function requestNeed(req: ChatRequest): RequestNeed {
  return { inputTokens: estimateWindowTokens(req), outputTokens: req.maxTokens ?? 0 };
}

export function totalTokens(need: RequestNeed): number {
  return need.inputTokens + need.outputTokens;
}
