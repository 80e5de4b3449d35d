import type { Fault, FormatKind } from '../emulator/server';
import { GEMINI_EMULATED_RETRY_DELAY_S } from '../emulator/formats/gemini';

/**
 * Every fault kind the emulator can produce, in the sizes a fast chaos config makes interesting: some slow
 * answers still fit the timeouts, others do not; cuts happen before and after the first token, and inside the
 * arguments of a streamed tool call (the first or the second).
 */
export const CHAOS_FAULTS: readonly Fault[] = [
  { type: 'status', status: 500 },
  { type: 'status', status: 502 },
  { type: 'status', status: 503, retryAfterMs: 80 },
  { type: 'status', status: 429, retryAfterMs: 120 },
  { type: 'status', status: 429, retryAfterSeconds: 1 },
  { type: 'status', status: 429 },
  { type: 'status', status: 529 },
  { type: 'hang' },
  { type: 'delay', ms: 40 },
  { type: 'slow', chunkDelayMs: 25 },
  { type: 'slow', chunkDelayMs: 500 },
  { type: 'cut', afterChunks: 2 },
  { type: 'cut', afterChunks: 0 },
  { type: 'malformed' },
  { type: 'html' },
  { type: 'reset' },
  { type: 'truncated' },
  { type: 'streamError' },
  // Listed twice: it only bites a streamed answer that ends in tool calls, a small share of the requests.
  { type: 'cutInArguments' },
  { type: 'cutInArguments' },
  { type: 'cutInArguments', callIndex: 1 },
  { type: 'noHeadroom', style: 'openai', resetMs: 250 },
  { type: 'noHeadroom', style: 'anthropic', resetMs: 400 },
];

/** How long a fault's answer announced that no request is left (rate-limit headers), in ms, or undefined. */
export function announcedHoldMs(fault: Fault): number | undefined {
  return fault.type === 'noHeadroom' ? fault.resetMs : undefined;
}

/**
 * How long a fault's response asked the client to wait, in ms, or undefined: the Retry-After /
 * retry-after-ms header, and for Gemini's 429 also the RetryInfo delay in its body. When both are
 * present the longer one is what the provider asked for.
 */
export function requestedWaitMs(fault: Fault, format: FormatKind): number | undefined {
  if (fault.type !== 'status') return undefined;
  const header = fault.retryAfterMs ?? (fault.retryAfterSeconds !== undefined ? fault.retryAfterSeconds * 1000 : undefined);
  const body = format === 'gemini' && fault.status === 429 ? GEMINI_EMULATED_RETRY_DELAY_S * 1000 : undefined;
  if (header === undefined) return body;
  return body === undefined ? header : Math.max(header, body);
}

export function faultName(fault: Fault): string {
  switch (fault.type) {
    case 'status': {
      const ra = fault.retryAfterMs !== undefined ? ` RA ${fault.retryAfterMs}ms` : fault.retryAfterSeconds !== undefined ? ` RA ${fault.retryAfterSeconds}s` : '';
      return `HTTP ${fault.status}${ra}`;
    }
    case 'slow':
      return `slow ${fault.chunkDelayMs}ms/chunk`;
    case 'cut':
      return `cut after ${fault.afterChunks}`;
    case 'delay':
      return `delay ${fault.ms}ms`;
    case 'cutInArguments':
      return `cut inside tool-call arguments (call ${(fault.callIndex ?? 0) + 1})`;
    case 'noHeadroom':
      return `0 requests left for ${fault.resetMs}ms (${fault.style} headers)`;
    default:
      return fault.type;
  }
}
