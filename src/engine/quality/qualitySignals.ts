/** What the router can measure about the answers of one provider and model, each a count weighted by age. */
export const QUALITY_SIGNALS = [
  /** Complete answers the engine checked (from the provider, not the cache). */
  'answers',
  /** Answers with at least one of the problems below; each is counted once however many it had. */
  'flagged',
  /** Stopped by the token limit (finishReason 'length'). */
  'truncated',
  /** No text and no tool call. */
  'empty',
  /** Structured output that is not JSON matching the request's schema. */
  'schemaFailed',
  /** A tool call naming no offered tool, or whose arguments fail that tool's parameters schema. */
  'toolArgsFailed',
  /** Analyze File answers whose findings did not parse. */
  'unparsedFindings',
  /** Suggest Code suggestions the user applied. */
  'applied',
  /** Suggest Code suggestions the user discarded. */
  'discarded',
  /** Inline completions the user accepted. */
  'accepted',
  /** Inline completions shown and passed over. */
  'ignored',
] as const;

export type QualitySignal = (typeof QUALITY_SIGNALS)[number];
export type QualitySignals = Record<QualitySignal, number>;

/** What the editor (or a task) says about an answer after the engine returned it. */
export const VERDICTS = ['applied', 'discarded', 'accepted', 'ignored', 'unparsedFindings'] as const;
export type Verdict = (typeof VERDICTS)[number];

export function noSignals(): QualitySignals {
  return Object.fromEntries(QUALITY_SIGNALS.map((s) => [s, 0])) as QualitySignals;
}
