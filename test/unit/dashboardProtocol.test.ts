import assert from 'node:assert/strict';
import { parseHostMessage, parseWebviewMessage, type SnapshotMessage } from '../../src/extension/dashboard/protocol';
import { fixtureSequence } from '../browser/fixtureSequence';

const NOW = Date.UTC(2026, 10, 22, 14, 32, 10);

function problemOf(r: { ok: true } | { ok: false; problem: string }): string {
  assert.equal(r.ok, false, 'the message is rejected');
  return (r as { problem: string }).problem;
}

/** A deep copy with one field changed, for malformed variants of a valid message. */
function withField<T>(msg: T, path: (string | number)[], value: unknown): T {
  const copy = structuredClone(msg) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy as T;
}

describe('dashboard protocol', () => {
  describe('webview → host', () => {
    it('accepts every action the webview sends', () => {
      const valid = [
        { type: 'ready' },
        { type: 'ready', window: '24h' },
        { type: 'setWindow', window: '5m' },
        { type: 'setWindow', window: '1h' },
        { type: 'resetBreaker', provider: 'openai' },
        { type: 'isolate', provider: 'groq.eu-1' },
        { type: 'restore', provider: 'Claude_2' },
        { type: 'setApiKey', provider: 'gemini' },
        { type: 'clearCache' },
        { type: 'openSettings' },
        { type: 'addProvider' },
        { type: 'setPlaygroundMode', provider: 'primary', mode: 'stream-cut' },
      ];
      for (const m of valid) assert.deepEqual(parseWebviewMessage(m), { ok: true, message: m }, JSON.stringify(m));
    });

    it('rejects unknown types, missing or malformed provider ids, unknown windows and extra fields', () => {
      const invalid: unknown[] = [
        null,
        'resetBreaker',
        [],
        {},
        { type: 'deleteEverything' },
        { type: 'resetBreaker' },
        { type: 'resetBreaker', provider: '' },
        { type: 'resetBreaker', provider: '../../etc' },
        { type: 'isolate', provider: 'x'.repeat(65) },
        { type: 'restore', provider: 42 },
        { type: 'setWindow', window: '7d' },
        { type: 'setWindow' },
        // A key has no place in any message, so a field carrying one is refused rather than ignored.
        { type: 'setApiKey', provider: 'openai', key: 'sk-live-123' },
        { type: 'clearCache', force: true },
      ];
      for (const m of invalid) assert.equal(parseWebviewMessage(m).ok, false, JSON.stringify(m));
    });

    it('names the offending field without echoing its value', () => {
      const problem = problemOf(parseWebviewMessage({ type: 'setApiKey', provider: 'openai', key: 'sk-live-123' }));
      assert.match(problem, /setApiKey/);
      assert.doesNotMatch(problem, /sk-live-123/);
      assert.match(problemOf(parseWebviewMessage({ type: 'isolate', provider: 'bad id' })), /'isolate' message: provider/);
    });
  });

  describe('host → webview', () => {
    const { snapshot, deltas } = fixtureSequence(NOW);

    it('accepts a full snapshot, deltas with only some fields, and an error', () => {
      assert.equal(parseHostMessage(snapshot).ok, true);
      for (const d of deltas) assert.equal(parseHostMessage(d).ok, true);
      assert.equal(parseHostMessage({ type: 'delta', seq: 9, now: NOW }).ok, true, 'an empty delta is valid (nothing changed)');
      assert.equal(parseHostMessage({ type: 'error', seq: 10, message: "There is no provider 'x'." }).ok, true);
    });

    it('rejects snapshots with impossible values', () => {
      const cases: [string, SnapshotMessage][] = [
        ['negative request count', withField(snapshot, ['stats', 0, 'stats', 'requests'], -1)],
        ['fractional request count', withField(snapshot, ['stats', 0, 'stats', 'requests'], 1.5)],
        ['error rate above 1', withField(snapshot, ['stats', 0, 'stats', 'errorRate'], 1.2)],
        ['infinite latency', withField(snapshot, ['stats', 0, 'stats', 'latency', 'p95'], Infinity)],
        ['NaN cost', withField(snapshot, ['history', 0, 'points', 0, 'costUsd'], Number.NaN)],
        ['unknown breaker state', withField(snapshot, ['providers', 0, 'breaker', 'state'], 'exploded')],
        ['unknown health state', withField(snapshot, ['providers', 0, 'health', 'state'], 'fine')],
        ['health without its reason', withField(snapshot, ['providers', 0, 'health', 'reason'], undefined)],
        ['provider without health', withField(snapshot, ['providers', 0, 'health'], undefined)],
        ['unknown window', withField(snapshot, ['window'], '7d')],
        ['provider id outside the settings rule', withField(snapshot, ['providers', 0, 'id'], '<img src=x>')],
        ['missing totals', withField(snapshot, ['totals'], undefined)],
        ['unknown event kind', withField(snapshot, ['events', 0, 'kind'], 'party')],
        ['too many events', withField(snapshot, ['events'], Array.from({ length: 501 }, () => snapshot.events[0]))],
        ['overlong error message', withField(snapshot, ['providers', 1, 'breaker', 'lastError', 'message'], 'x'.repeat(1_001))],
      ];
      for (const [what, msg] of cases) assert.equal(parseHostMessage(msg).ok, false, what);
    });

    it('rejects a delta without a sequence number or with a malformed part', () => {
      assert.equal(parseHostMessage({ type: 'delta', now: NOW }).ok, false);
      assert.equal(parseHostMessage({ ...deltas[0], history: [{ provider: 'claude', points: [{ t: NOW }] }] }).ok, false);
      assert.match(problemOf(parseHostMessage({ ...deltas[1], cache: { ...snapshot.cache, hitRate: 2 } })), /'delta' message: cache\.hitRate/);
    });
  });

  describe('playground switches (both directions)', () => {
    const state = { type: 'playground', seq: 3, providers: [{ id: 'primary', mode: 'healthy' }, { id: 'backup', mode: 'rate-limited' }], modes: [{ id: 'healthy', label: 'Healthy', detail: 'answers normally' }, { id: 'rate-limited', label: '429', detail: 'answers 429 with Retry-After' }] };

    it('accepts the host\'s playground state and the webview\'s set-mode request', () => {
      assert.deepEqual(parseHostMessage(state), { ok: true, message: state });
      assert.equal(parseWebviewMessage({ type: 'setPlaygroundMode', provider: 'backup', mode: 'down' }).ok, true);
    });

    it('rejects a state without modes, a bad provider id or mode, and a set-mode request with extra fields or a missing mode', () => {
      assert.match(problemOf(parseHostMessage({ ...state, modes: [] })), /modes/);
      assert.match(problemOf(parseHostMessage(withField(state, ['providers', 0, 'id'], 'has space'))), /providers\.0\.id/);
      assert.match(problemOf(parseHostMessage(withField(state, ['providers', 1, 'mode'], 'DROP TABLE'))), /providers\.1\.mode/);
      problemOf(parseWebviewMessage({ type: 'setPlaygroundMode', provider: 'backup' }));
      problemOf(parseWebviewMessage({ type: 'setPlaygroundMode', provider: 'backup', mode: 'down', key: 'sk-x' }));
      problemOf(parseWebviewMessage({ type: 'setPlaygroundMode', provider: '../etc', mode: 'down' }));
    });
  });
});
