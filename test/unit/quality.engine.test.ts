import assert from 'node:assert/strict';
import type { EngineOptions } from '../../src/engine/engine';
import type { QualityRank } from '../../src/engine/quality/qualityRegistry';
import type { ChatRequest } from '../../src/engine/types';
import { startHarness, type Harness, type HarnessProvider } from '../support/engineHarness';

const ask: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }], maxTokens: 100 };
const HOUR = 3_600_000;

function start(providers: HarnessProvider[], settings: Record<string, unknown> = {}, opts: Partial<EngineOptions> = {}): Promise<Harness> {
  return startHarness(providers, { cache: { enabled: false }, retry: { maxAttempts: 1 }, ...settings }, opts);
}

function rankOf(ranking: QualityRank[], provider: string): QualityRank {
  const rank = ranking.find((r) => r.provider === provider);
  assert.ok(rank, `${provider} is in the ranking ${JSON.stringify(ranking)}`);
  return rank;
}

/** Sends `n` requests to one provider only (so the strategy does not decide which). */
async function askEach(h: Harness, provider: string, n: number, req: ChatRequest = ask): Promise<void> {
  for (let i = 0; i < n; i++) await h.engine.chat(req, { onlyProviders: [provider] });
}

describe('quality scores: measured over real HTTP, ranked, persisted and routed by', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('ranks a provider whose answers stop at the token limit below one that answers fully, on each wire format', async () => {
    h = await start([{ id: 'cut-openai' }, { id: 'cut-anthropic', kind: 'anthropic' }, { id: 'cut-gemini', kind: 'gemini' }, { id: 'full' }]);
    for (const id of ['cut-openai', 'cut-anthropic', 'cut-gemini']) {
      for (let i = 0; i < 3; i++) h.emulators[id].enqueue({ type: 'ok', cutByLength: true });
      await askEach(h, id, 3);
    }
    await askEach(h, 'full', 3);
    const ranking = h.engine.quality();
    assert.equal(ranking[0].provider, 'full');
    assert.deepEqual(rankOf(ranking, 'full').signals, { ...rankOf(ranking, 'full').signals, answers: 3, flagged: 0, truncated: 0 });
    assert.ok(rankOf(ranking, 'full').score > 0.5, 'clean answers lift it above the neutral prior');
    for (const id of ['cut-openai', 'cut-anthropic', 'cut-gemini']) {
      const r = rankOf(ranking, id);
      assert.equal(r.signals.truncated, 3, `${id}: the adapter mapped its wire's token-limit stop to 'length'`);
      assert.equal(r.signals.flagged, 3);
      assert.ok(r.score < 0.5, `${id} ranks below neutral: ${r.score}`);
    }
  });

  it('gives a provider with no signals the neutral score 0.5, between a good and a bad one', async () => {
    h = await start([{ id: 'bad' }, { id: 'unknown' }, { id: 'good' }]);
    h.emulators.bad.enqueue({ type: 'ok', reply: '' });
    h.emulators.bad.enqueue({ type: 'ok', reply: '   ' });
    await askEach(h, 'bad', 2);
    await askEach(h, 'good', 2);
    const ranking = h.engine.quality();
    assert.deepEqual(ranking.map((r) => r.provider), ['good', 'unknown', 'bad']);
    assert.equal(rankOf(ranking, 'unknown').score, 0.5);
    assert.equal(rankOf(ranking, 'bad').signals.empty, 2);
  });

  it('counts structured output that is not JSON matching the schema, and tool-call arguments that fail their tool\'s schema', async () => {
    h = await start([{ id: 'sloppy' }, { id: 'exact' }]);
    const structured: ChatRequest = {
      ...ask,
      responseFormat: { type: 'json_schema', name: 'count', schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false } },
    };
    h.emulators.sloppy.enqueue({ type: 'ok', reply: 'Sure! n is 3.' });
    h.emulators.sloppy.enqueue({ type: 'ok', reply: '{"n": "three"}' });
    h.emulators.exact.enqueue({ type: 'ok', reply: '{"n": 3}' });
    await askEach(h, 'sloppy', 2, structured);
    await askEach(h, 'exact', 1, structured);
    // Text is an accepted answer to a request that falls back to it; its caller (Analyze File) judges the text.
    h.emulators.exact.enqueue({ type: 'ok', reply: 'n is 3' });
    await askEach(h, 'exact', 1, { ...structured, responseFormat: { ...structured.responseFormat!, fallbackToText: true } });

    const withTool: ChatRequest = {
      ...ask,
      tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
    };
    h.emulators.sloppy.enqueue({ type: 'toolCall', calls: [{ name: 'get_weather', arguments: { town: 'Paris' } }] });
    h.emulators.sloppy.enqueue({ type: 'toolCall', calls: [{ name: 'get_time', arguments: {} }] });
    h.emulators.exact.enqueue({ type: 'toolCall', calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
    await askEach(h, 'sloppy', 2, withTool);
    await askEach(h, 'exact', 1, withTool);

    const ranking = h.engine.quality();
    assert.deepEqual(ranking.map((r) => r.provider), ['exact', 'sloppy']);
    const sloppy = rankOf(ranking, 'sloppy').signals;
    assert.equal(sloppy.schemaFailed, 2);
    assert.equal(sloppy.toolArgsFailed, 2, 'a wrong argument name and a tool never offered');
    assert.equal(rankOf(ranking, 'exact').signals.flagged, 0);
  });

  it('quality strategy: sends the next request to the higher-ranked provider, and back when the verdicts turn', async () => {
    h = await start([{ id: 'first' }, { id: 'second' }], { routing: { strategy: 'quality' } });
    // Both unknown: config order decides.
    h.emulators.first.enqueue({ type: 'ok', cutByLength: true });
    assert.equal((await h.engine.chat(ask)).provider, 'first');
    assert.equal((await h.engine.chat(ask)).provider, 'second', 'one cut answer puts first below the neutral second');
    const second = await h.engine.chat(ask);
    assert.equal(second.provider, 'second');
    for (let i = 0; i < 4; i++) h.engine.recordVerdict({ provider: 'second', model: second.model, verdict: 'discarded' });
    assert.equal((await h.engine.chat(ask)).provider, 'first', 'discarded suggestions outweigh clean answers');
    assert.equal(h.emulators.first.requests.length, 2);
  });

  it('verdicts move the score: applied and accepted raise it, discarded and ignored lower it, unparsed findings too', async () => {
    h = await start([{ id: 'a' }]);
    const res = await h.engine.chat(ask);
    const base = h.engine.quality()[0].score;
    h.engine.recordVerdict({ provider: 'a', model: res.model, verdict: 'applied' });
    const applied = h.engine.quality()[0].score;
    h.engine.recordVerdict({ provider: 'a', model: res.model, verdict: 'accepted' });
    const accepted = h.engine.quality()[0].score;
    assert.ok(applied > base && accepted > applied, `${base} < ${applied} < ${accepted}`);
    h.engine.recordVerdict({ provider: 'a', model: res.model, verdict: 'ignored' });
    const ignored = h.engine.quality()[0].score;
    h.engine.recordVerdict({ provider: 'a', model: res.model, verdict: 'discarded' });
    const discarded = h.engine.quality()[0].score;
    h.engine.recordVerdict({ provider: 'a', verdict: 'unparsedFindings' });
    const unparsed = h.engine.quality()[0].score;
    assert.ok(ignored < accepted && discarded < ignored && unparsed < discarded, `${accepted} > ${ignored} > ${discarded} > ${unparsed}`);
    assert.ok(accepted - ignored < discarded - unparsed + 0.2, 'an ignored completion weighs less than a discarded suggestion');
    assert.deepEqual(
      (({ answers, applied: ap, accepted: ac, ignored: ig, discarded: di, unparsedFindings }) => ({ answers, ap, ac, ig, di, unparsedFindings }))(h.engine.quality()[0].signals),
      { answers: 1, ap: 1, ac: 1, ig: 1, di: 1, unparsedFindings: 1 },
    );
  });

  it('decay: failures a few half-lives old weigh less than the same failures now, and fade back toward neutral', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z');
    h = await start([{ id: 'old' }, { id: 'recent' }], { quality: { halfLifeHours: 24 } }, { now: () => now });
    for (let i = 0; i < 4; i++) h.emulators.old.enqueue({ type: 'ok', cutByLength: true });
    await askEach(h, 'old', 4);
    const fresh = h.engine.quality().find((r) => r.provider === 'old')!;
    now += 72 * HOUR;
    for (let i = 0; i < 4; i++) h.emulators.recent.enqueue({ type: 'ok', cutByLength: true });
    await askEach(h, 'recent', 4);
    const ranking = h.engine.quality();
    assert.deepEqual(ranking.map((r) => r.provider), ['old', 'recent']);
    assert.equal(rankOf(ranking, 'old').signals.truncated, 0.5, 'four results three half-lives old weigh 4/8');
    assert.equal(rankOf(ranking, 'recent').signals.truncated, 4);
    assert.ok(rankOf(ranking, 'old').score > fresh.score && rankOf(ranking, 'old').score < 0.5);
    now += 30 * 24 * HOUR;
    assert.equal(rankOf(h.engine.quality(), 'recent').score, 0.5, 'a month later nothing is left of them');
  });

  it('survives a restart and adds up what two processes on the same state folder recorded', async () => {
    h = await start([{ id: 'a' }, { id: 'b' }]);
    h.emulators.a.enqueue({ type: 'ok', cutByLength: true });
    await askEach(h, 'a', 1);
    const other = h.newEngine();
    await other.ready();
    h.emulators.a.enqueue({ type: 'ok', cutByLength: true });
    await other.chat(ask, { onlyProviders: ['a'] });
    other.recordVerdict({ provider: 'b', verdict: 'applied' });
    await other.flush();
    await h.engine.flush();
    const restarted = h.newEngine();
    await restarted.ready();
    const ranking = restarted.quality();
    assert.deepEqual(ranking.map((r) => r.provider), ['b', 'a']);
    assert.equal(rankOf(ranking, 'a').signals.truncated, 2, 'one truncation from each process');
    assert.equal(rankOf(ranking, 'b').signals.applied, 1);
    const stats = await restarted.stats('all');
    assert.deepEqual(stats.quality, ranking);
  });

  it('does not count an answer served from the cache a second time', async () => {
    h = await start([{ id: 'a' }], { cache: { enabled: true } });
    await h.engine.chat(ask);
    const cached = await h.engine.chat(ask);
    assert.equal(cached.cached, true);
    assert.equal(h.engine.quality()[0].signals.answers, 1);
  });
});

describe('auto strategy: quality blended with latency and cost', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const dear = { id: 'dear', extra: { pricing: { inputPerMillion: 10, outputPerMillion: 30 } } };
  const cheap = { id: 'cheap', extra: { pricing: { inputPerMillion: 1, outputPerMillion: 3 } } };

  it('sends requests to the cheaper provider while the quality is alike, and away from it once its answers are cut', async () => {
    h = await start([dear, cheap], { routing: { strategy: 'auto' } });
    assert.equal((await h.engine.chat(ask)).provider, 'cheap', 'same (unknown) quality: price decides, not config order');
    await askEach(h, 'dear', 1);
    assert.equal((await h.engine.chat(ask)).provider, 'cheap', 'both measured and answering well: still the cheaper one');
    for (let i = 0; i < 6; i++) h.emulators.cheap.enqueue({ type: 'ok', cutByLength: true });
    await askEach(h, 'cheap', 6);
    assert.equal((await h.engine.chat(ask)).provider, 'dear', 'a poor quality score is not bought back by a low price');
  });

  it('keeps a slightly worse but much cheaper provider first', async () => {
    h = await start([dear, cheap], { routing: { strategy: 'auto' } });
    await askEach(h, 'dear', 3);
    h.emulators.cheap.enqueue({ type: 'ok', cutByLength: true });
    await askEach(h, 'cheap', 3);
    const [first, second] = h.engine.quality();
    assert.deepEqual([first.provider, second.provider], ['dear', 'cheap'], 'dear has the better score');
    assert.equal((await h.engine.chat(ask)).provider, 'cheap');
  });
});
