import type { QualitySignals } from './qualitySignals';

/**
 * Pseudo-counts of one good and one bad result each side, twice over: a provider with no signals scores 0.5 (neither
 * best nor worst), and a handful of results moves it only part of the way, so one bad answer cannot bury a provider.
 */
const PRIOR = 2;

/** How much one signal counts. The user's own verdict on a suggestion says more than the engine's checks. */
const GOOD_WEIGHT = { clean: 1, applied: 2, accepted: 1 } as const;
const BAD_WEIGHT = {
  flagged: 1,
  // The engine already counted the answer as clean (it cannot know the task's format), so this also undoes that.
  unparsedFindings: 2,
  discarded: 2,
  // A completion passed over is weak evidence: the user may simply have kept typing.
  ignored: 0.25,
} as const;

/**
 * The quality score in [0, 1]: the mean of a Beta posterior, (good + PRIOR) / (good + bad + 2·PRIOR).
 * Every signal is already weighted by age (see qualityDecay), so as evidence ages a score drifts back to 0.5.
 */
export function qualityScore(s: QualitySignals): number {
  const clean = Math.max(0, s.answers - s.flagged);
  const good = clean * GOOD_WEIGHT.clean + s.applied * GOOD_WEIGHT.applied + s.accepted * GOOD_WEIGHT.accepted;
  const bad = s.flagged * BAD_WEIGHT.flagged + s.unparsedFindings * BAD_WEIGHT.unparsedFindings + s.discarded * BAD_WEIGHT.discarded + s.ignored * BAD_WEIGHT.ignored;
  return (good + PRIOR) / (good + bad + 2 * PRIOR);
}

/** The score of a provider and model nothing is known about. */
export const NEUTRAL_SCORE = 0.5;
