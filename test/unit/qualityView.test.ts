import assert from 'node:assert/strict';
import type { QualityRankDto } from '../../src/extension/dashboard/protocol';
import { QUALITY_SIGNALS, type QualitySignal } from '../../src/engine/quality/qualitySignals';
import { qualityRows } from '../../webview/qualityView';

function rank(provider: string, score: number, signals: Partial<Record<QualitySignal, number>> = {}): QualityRankDto {
  const all = Object.fromEntries(QUALITY_SIGNALS.map((s) => [s, signals[s] ?? 0])) as Record<QualitySignal, number>;
  return { provider, model: `${provider}-model`, score, signals: all } as QualityRankDto;
}

describe('the dashboard quality ranking rows', () => {
  it('numbers the providers in the order given and names the signals behind each score, with faded weights to one decimal', () => {
    const rows = qualityRows([rank('full', 0.6, { answers: 1 }), rank('cut', 0.29, { answers: 2.96, truncated: 3, applied: 0.04 })]);
    assert.deepEqual(
      rows.map((r) => [r.rank, r.provider, r.model, r.score, r.signals, r.tone]),
      [
        ['1', 'full', 'full-model', '0.60', '1 answer', 'good'],
        ['2', 'cut', 'cut-model', '0.29', '3 answers · 3 cut by token limit', 'poor'],
      ],
    );
  });

  it('says a provider without signals has the neutral score', () => {
    const [row] = qualityRows([rank('new', 0.5)]);
    assert.equal(row.signals, 'No signals yet: neutral score');
    assert.equal(row.tone, 'neutral');
  });
});
