import { WINDOW_CHARS_PER_TOKEN, WINDOW_TOKENS_PER_IMAGE } from '../routing/capabilities';
import { isRecord, type JsonRecord } from './wireText';

// Anthropic prompt caching, from platform.claude.com/docs/en/build-with-claude/prompt-caching (read 2026-12-03):
// the cache covers tools, system and messages in that order up to a block marked cache_control; at most 4
// breakpoints per request; a prefix shorter than the model's minimum is processed uncached, without an error.

/** Anthropic's limit on cache_control breakpoints in one request. */
export const MAX_CACHE_BREAKPOINTS = 4;

/**
 * Minimum cacheable prompt length by model id prefix, longest match first. From the prompt-caching page as quoted
 * in anthropics/anthropic-sdk-python#1194 (Opus 4.5/4.6 and Haiku 4.5: 4096; Sonnet 4.x, Opus 4/4.1, Sonnet 3.7:
 * 1024; Haiku 3/3.5: 2048) and docs.litellm.ai/docs/completion/prompt_caching (updated 2026-10-07; Opus 5: 512),
 * both read 2026-12-03. Where sources differ the lower figure is used: a breakpoint on a too-short prefix costs
 * nothing, a missing one loses the cache.
 */
const MINIMUM_CACHEABLE_TOKENS: ReadonlyArray<readonly [string, number]> = [
  ['claude-opus-5', 512],
  ['claude-opus-4-7', 2048],
  ['claude-opus-4-6', 4096],
  ['claude-opus-4-5', 4096],
  ['claude-haiku-4-5', 4096],
  ['claude-3-5-haiku', 2048],
  ['claude-3-haiku', 2048],
];
/** For models not in the table: the documented figures for Sonnet/Opus and for Haiku. */
const DEFAULT_MINIMUM = 1024;
const HAIKU_MINIMUM = 2048;

export function minimumCacheableTokens(model: string): number {
  const id = model.trim().toLowerCase().replace(/^(models\/|anthropic\/)/, '');
  const hit = MINIMUM_CACHEABLE_TOKENS.find(([prefix]) => id.startsWith(prefix));
  if (hit) return hit[1];
  return id.includes('haiku') ? HAIKU_MINIMUM : DEFAULT_MINIMUM;
}

const EPHEMERAL = { type: 'ephemeral' } as const;

/** Blocks Anthropic does not let carry cache_control (thinking is cached as part of what follows it). */
const UNMARKABLE = new Set(['thinking', 'redacted_thinking']);

/**
 * Marks the stable prefix of a Messages body for caching, in place: the last tool definition, the last system
 * block, the newest user turn (so the next turn reads the whole conversation) and the user turn before it (what the
 * previous request wrote, found even when more than 20 blocks were added since). A breakpoint is placed only
 * where the prefix up to it is estimated to reach the model's minimum; the estimate errs long, as the window
 * check does. A body that already has a cache_control anywhere (providerOptions) is left as the caller made it.
 */
export function placeCacheBreakpoints(body: JsonRecord, model: string): void {
  if (hasCacheControl(body)) return;
  const minimum = minimumCacheableTokens(model);
  const prefix = new PrefixLength();
  const marks: (() => JsonRecord | undefined)[] = [];
  const markIfLongEnough = (block: () => JsonRecord | undefined) => {
    if (prefix.tokens() >= minimum) marks.push(block);
  };

  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  for (const tool of tools) prefix.addJson(tool);
  if (tools.length > 0) markIfLongEnough(() => tools[tools.length - 1]);

  if (typeof body.system === 'string' ? body.system !== '' : Array.isArray(body.system)) {
    for (const block of blocksOf(body.system)) prefix.addBlock(block);
    markIfLongEnough(() => lastMarkable(asBlocks(body, 'system')));
  }

  const turns = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const userTurns = turns.flatMap((t, i) => (t.role === 'user' ? [i] : []));
  const wanted = new Set(userTurns.slice(-2));
  turns.forEach((turn, i) => {
    for (const block of blocksOf(turn.content)) prefix.addBlock(block);
    if (wanted.has(i)) markIfLongEnough(() => lastMarkable(asBlocks(turn, 'content')));
  });

  for (const mark of marks.slice(0, MAX_CACHE_BREAKPOINTS)) {
    const block = mark();
    if (block) block.cache_control = { ...EPHEMERAL };
  }
}

/** Prompt length so far, counted as the context-window check counts it. */
class PrefixLength {
  private chars = 0;
  private images = 0;

  addJson(value: unknown): void {
    this.chars += JSON.stringify(value).length;
  }

  addBlock(block: JsonRecord): void {
    switch (block.type) {
      case 'text':
        this.chars += String(block.text ?? '').length;
        return;
      case 'thinking':
        this.chars += String(block.thinking ?? '').length;
        return;
      case 'image':
        this.images++;
        return;
      case 'tool_result':
        if (typeof block.content === 'string') this.chars += block.content.length;
        else if (Array.isArray(block.content)) for (const inner of block.content) if (isRecord(inner)) this.addBlock(inner);
        return;
      default:
        this.addJson(block);
    }
  }

  tokens(): number {
    return Math.ceil(this.chars / WINDOW_CHARS_PER_TOKEN) + this.images * WINDOW_TOKENS_PER_IMAGE;
  }
}

/** A system or content field as blocks, for counting: a string is one text block. */
function blocksOf(value: unknown): JsonRecord[] {
  if (typeof value === 'string') return value === '' ? [] : [{ type: 'text', text: value }];
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** The field's blocks, turning a plain string into one text block first so that it can carry a breakpoint. */
function asBlocks(owner: JsonRecord, field: 'system' | 'content'): JsonRecord[] {
  if (typeof owner[field] === 'string') owner[field] = blocksOf(owner[field]);
  return blocksOf(owner[field]);
}

function lastMarkable(blocks: JsonRecord[]): JsonRecord | undefined {
  return blocks.filter((b) => typeof b.type === 'string' && !UNMARKABLE.has(b.type)).pop();
}

function hasCacheControl(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasCacheControl);
  if (!isRecord(value)) return false;
  return Object.hasOwn(value, 'cache_control') || Object.values(value).some(hasCacheControl);
}
