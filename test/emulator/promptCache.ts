import { createHash } from 'node:crypto';

/** What the provider's prompt cache did for one request, in prompt tokens (the emulator counts 4 characters a token). */
export interface PromptCacheUsage {
  read: number;
  written: number;
  /** Every prompt token the cache looked at, so reported input is never less than what it read and wrote. */
  total: number;
}

/** Remembered prefixes, one set per emulator (cleared by reset()). */
export type PromptCacheMemory = Set<string>;

const CHARS_PER_TOKEN = 4;
/** Anthropic's documented minimum for Sonnet models; prefixes shorter than this are processed uncached. */
const ANTHROPIC_MINIMUM_TOKENS = 1024;
/** How far back from a breakpoint Anthropic looks for an earlier cached prefix, in blocks. */
const ANTHROPIC_LOOKBACK_BLOCKS = 20;
/** OpenAI caches prompts of 1,024 tokens or more, and hits come in 128-token steps. */
const OPENAI_MINIMUM_TOKENS = 1024;
const OPENAI_HIT_STEP = 128;

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const blocksOf = (v: unknown): Json[] => (typeof v === 'string' ? (v === '' ? [] : [{ type: 'text', text: v }]) : Array.isArray(v) ? v.filter(isJson) : []);

/**
 * Anthropic (platform.claude.com/docs/en/build-with-claude/prompt-caching, read 2026-12-03): the prefix is tools,
 * system, then messages, up to a block with cache_control (or the last block, with a top-level cache_control).
 * A breakpoint reads the longest cached prefix ending at it or up to 20 blocks before it, and writes the rest up to
 * itself when that reaches the minimum. Undefined when the request asks for no caching.
 */
export function anthropicPromptCache(body: unknown, memory: PromptCacheMemory): PromptCacheUsage | undefined {
  if (!isJson(body)) return undefined;
  const blocks: { block: Json; role: string }[] = [
    ...blocksOf(body.tools).map((block) => ({ block, role: 'tools' })),
    ...blocksOf(body.system).map((block) => ({ block, role: 'system' })),
    ...(Array.isArray(body.messages) ? body.messages.filter(isJson) : []).flatMap((m) => blocksOf(m.content).map((block) => ({ block, role: String(m.role) }))),
  ];
  const breakpoints = blocks.flatMap((b, i) => (isJson(b.block.cache_control) ? [i] : []));
  if (isJson(body.cache_control) && blocks.length > 0) breakpoints.push(blocks.length - 1);
  if (breakpoints.length === 0) return undefined;

  const hash = createHash('sha256').update(String(body.model));
  const prefixes: { hash: string; tokens: number }[] = [];
  let chars = 0;
  for (const { block, role } of blocks) {
    const { cache_control: _marker, ...content } = block;
    const text = JSON.stringify([role, content]);
    hash.update(text);
    chars += text.length;
    prefixes.push({ hash: hash.copy().digest('hex'), tokens: Math.ceil(chars / CHARS_PER_TOKEN) });
  }
  let read = 0;
  for (const bp of breakpoints) {
    for (let j = bp; j >= Math.max(0, bp - ANTHROPIC_LOOKBACK_BLOCKS); j--) {
      if (memory.has(prefixes[j].hash)) {
        read = Math.max(read, prefixes[j].tokens);
        break;
      }
    }
  }
  let written = 0;
  for (const bp of breakpoints) {
    const p = prefixes[bp];
    if (p.tokens < ANTHROPIC_MINIMUM_TOKENS || memory.has(p.hash)) continue;
    memory.add(p.hash);
    written = Math.max(written, p.tokens - read);
  }
  return { read, written, total: prefixes[prefixes.length - 1].tokens };
}

/**
 * OpenAI (developers.openai.com/api/docs/guides/prompt-caching, read 2026-12-03): caching is automatic from 1,024
 * tokens and hits come in 128-token steps; `prompt_cache_key` routes requests to the machine holding their prefix.
 * The emulator caches only keyed requests: the hit is the longest prefix shared with an earlier request of the same key.
 */
export function openaiPromptCache(body: unknown, memory: PromptCacheMemory): PromptCacheUsage | undefined {
  if (!isJson(body) || typeof body.prompt_cache_key !== 'string') return undefined;
  const prompt = JSON.stringify([body.model, body.tools ?? [], body.messages ?? []]);
  const tag = `openai\u0000${body.prompt_cache_key}\u0000`;
  let shared = 0;
  for (const entry of memory) if (entry.startsWith(tag)) shared = Math.max(shared, commonPrefixLength(entry.slice(tag.length), prompt));
  memory.add(tag + prompt);
  const tokens = Math.floor(shared / CHARS_PER_TOKEN);
  const read = tokens >= OPENAI_MINIMUM_TOKENS ? tokens - (tokens % OPENAI_HIT_STEP) : 0;
  return { read, written: 0, total: Math.ceil(prompt.length / CHARS_PER_TOKEN) };
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
