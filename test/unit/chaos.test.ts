import assert from 'node:assert/strict';
import { runChaos, type ChaosFigures, type ChaosOptions } from '../chaos/chaosRun';
import { failedGuarantees, formatFigures } from '../chaos/figuresTable';

/** Short runs at different seeds, sizes, concurrencies and fault rates: the guarantees hold at any of them. */
const RUNS: ChaosOptions[] = [
  { requests: 300, concurrency: 12, faultRate: 0.3, seed: 7 },
  { requests: 240, concurrency: 32, faultRate: 0.25, seed: 3 },
  { requests: 200, concurrency: 4, faultRate: 0.4, seed: 11 },
];

for (const run of RUNS) {
  describe(`chaos (short run: ${run.requests} requests, concurrency ${run.concurrency}, fault rate ${run.faultRate}, seed ${run.seed}; 3 providers, faults of every kind, cancellations)`, function () {
    this.timeout(60_000);
    let f: ChaosFigures;

    before(async () => {
      f = await runChaos({ ...run, attemptTimeoutMs: 1_500 });
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') console.log(formatFigures(f));
    });

    it('injects faults of many kinds, including Retry-After waits, so the guarantees below are exercised', () => {
      assert.ok(f.faults.injected >= 40, `only ${f.faults.injected} faults injected`);
      assert.ok(Object.keys(f.faults.byKind).length >= 10, `only ${Object.keys(f.faults.byKind).length} fault kinds seen`);
      assert.ok(f.retryAfter.windows > 0, 'no Retry-After response was sent');
      assert.ok(f.outcomes.cancelled > 0, 'no caller cancelled');
    });

    it('resolves every request with an answer or a typed error, never hangs and leaves no unhandled rejection', () => {
      assert.equal(f.outcomes.hung, 0);
      assert.equal(f.outcomes['untyped-error'], 0);
      assert.equal(f.unhandledRejections, 0);
      const total = Object.values(f.outcomes).reduce((a, b) => a + b, 0);
      assert.equal(total, run.requests);
    });

    it('answers every request that was not cancelled while one provider is healthy (≥ 99.9 %)', () => {
      assert.ok(f.healthy.eligible > (run.requests ?? 0) / 2, `only ${f.healthy.eligible} eligible requests`);
      assert.ok(f.healthy.successRate >= 0.999, `success ${f.healthy.successRate}: ${f.healthyFailures.join('; ')}`);
    });

    it('never reports a cut or altered answer as complete', () => {
      assert.deepEqual(f.problems.samples, []);
      assert.equal(f.problems.count, 0);
    });

    it('mixes in tool-calling requests, streamed and not, first turns and follow-ups, with streams cut inside tool-call arguments', () => {
      const t = f.tools;
      assert.ok(t.requests >= (run.requests ?? 0) / 5, `only ${t.requests} tool-calling requests`);
      assert.ok(t.firstTurns > 0 && t.followUps > 0, `${t.firstTurns} first turns, ${t.followUps} follow-ups`);
      assert.ok(t.toolCallAnswers > 0 && t.callsHandedOver > 0, `${t.toolCallAnswers} tool-call answers, ${t.callsHandedOver} calls streamed`);
      assert.ok(Object.keys(f.faults.byKind).some((k) => k.startsWith('cut inside tool-call arguments')), 'no cut inside tool-call arguments was injected');
    });

    it('hands the caller only whole tool calls, never reports a cut inside tool-call arguments as complete, and answers tool calls while one provider is healthy (≥ 99.9 %)', () => {
      assert.equal(f.tools.callsIncomplete, 0);
      assert.equal(f.tools.argumentCuts.reportedComplete, 0);
      assert.ok(f.tools.healthy.eligible > 0);
      assert.ok(f.tools.healthy.successRate >= 0.999, `tool-calling success ${f.tools.healthy.successRate}: ${f.healthyFailures.join('; ')}`);
    });

    it('sends nothing to a provider whose breaker is open, except one probe at a time while half-open', () => {
      assert.deepEqual(f.breaker.violations, []);
    });

    it('sends nothing to a provider before its Retry-After has elapsed, across all concurrent requests', () => {
      assert.deepEqual(f.retryAfter.violations, []);
      assert.equal(f.retryAfter.unmatched, 0);
    });

    it('sends nothing to a provider whose answer announced 0 requests left, until its reset (no 429 the headers foretold)', () => {
      assert.ok(f.headroom.windows > 0, 'no answer announced an empty rate-limit window');
      assert.deepEqual(f.headroom.violations, []);
    });

    it('leaves no request busy and no socket open after the run and close', () => {
      assert.equal(f.sockets.clientBusyAfterRun, 0);
      assert.ok(f.sockets.afterRun <= f.sockets.clientConnectedAfterRun, 'server sockets the client no longer knows');
      assert.equal(f.sockets.afterClose, 0);
    });

    it('keeps the heap flat (growth after GC under 16 MB)', () => {
      assert.ok(f.heap.growthMB < 16, `heap grew ${f.heap.growthMB.toFixed(1)} MB`);
    });

    it('passes every guarantee the chaos CLI checks', () => {
      assert.deepEqual(failedGuarantees(f), []);
    });
  });
}
