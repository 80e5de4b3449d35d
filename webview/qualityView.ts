// The quality ranking as the dashboard shows it. Pure: no DOM, so it is unit-tested in Node.
import type { QualityRankDto, QualitySignal } from '../src/extension/dashboard/protocol';

/** Each signal as the table names it, in the order shown; `flagged` is left out, the problems themselves are listed. */
const SIGNAL_LABELS: readonly [QualitySignal, string][] = [
  ['answers', 'answers'],
  ['truncated', 'cut by token limit'],
  ['empty', 'empty'],
  ['schemaFailed', 'failed schema'],
  ['toolArgsFailed', 'bad tool arguments'],
  ['unparsedFindings', 'unparsed findings'],
  ['applied', 'applied'],
  ['discarded', 'discarded'],
  ['accepted', 'accepted'],
  ['ignored', 'passed over'],
];

/** Above or below the neutral 0.5 by more than this, a score is called good or poor. */
const CLEAR_MARGIN = 0.05;

export interface QualityRow {
  key: string;
  rank: string;
  provider: string;
  model: string;
  score: string;
  /** 0..1, for the bar. */
  fraction: number;
  tone: 'good' | 'neutral' | 'poor';
  /** The signals behind the score, e.g. "12 answers · 3 cut by token limit · 2 applied". */
  signals: string;
}

export function qualityRows(ranking: readonly QualityRankDto[]): QualityRow[] {
  return ranking.map((r, i) => {
    const parts = SIGNAL_LABELS.filter(([s]) => r.signals[s] >= 0.05).map(([s, label]) => {
      const weight = weightText(r.signals[s]);
      return `${weight} ${weight === '1' && label === 'answers' ? 'answer' : label}`;
    });
    return {
      key: `${r.provider}\u0000${r.model}`,
      rank: String(i + 1),
      provider: r.provider,
      model: r.model,
      score: r.score.toFixed(2),
      fraction: r.score,
      tone: r.score > 0.5 + CLEAR_MARGIN ? 'good' : r.score < 0.5 - CLEAR_MARGIN ? 'poor' : 'neutral',
      signals: parts.length > 0 ? parts.join(' · ') : 'No signals yet: neutral score',
    };
  });
}

/** Weights fade with age, so they are rarely whole: one decimal, none when whole. */
function weightText(n: number): string {
  const rounded = Math.round(n * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
}
