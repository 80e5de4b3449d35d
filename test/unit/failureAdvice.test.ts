import assert from 'node:assert/strict';
import { ERROR_CLASSES } from '../../src/engine/errors';
import { adviseAttempts, adviseFailure, type FailureAction, type FailureFacts } from '../../src/engine/failureAdvice';

const OLLAMA: Pick<FailureFacts, 'kind' | 'baseUrl'> = { kind: 'ollama', baseUrl: 'http://localhost:11434' };
const GROQ: Pick<FailureFacts, 'kind' | 'baseUrl'> = { kind: 'openai-compatible', baseUrl: 'https://api.groq.com/openai/v1' };

describe('failure advice (the one mapping from error class, provider kind/host and status to message and buttons)', () => {
  const table: Array<[string, FailureFacts, RegExp, FailureAction[]]> = [
    ['a local Ollama that refuses the connection is not running', { provider: 'ollama', errorClass: 'connection', ...OLLAMA }, /^Ollama isn't running on localhost:11434 \(provider 'ollama'\) — start it \(ollama serve\), or add a provider$/, ['addProvider', 'showLog']],
    ['another local server that refuses is not listening', { provider: 'lm', errorClass: 'connection', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:1234/v1' }, /^Provider 'lm': nothing is listening on 127\.0\.0\.1:1234 — start the local server, or add a provider$/, ['addProvider', 'showLog']],
    ['a remote host that cannot be reached names the host and the proxy', { provider: 'groq', errorClass: 'connection', ...GROQ }, /^Provider 'groq': cannot connect to api\.groq\.com — check the network, a proxy \(http\.proxy\) or its baseUrl$/, ['openSettings', 'showLog']],
    ['a refused key says 401 Unauthorized and how to set the key', { provider: 'groq', errorClass: 'auth', status: 401, ...GROQ }, /^Provider 'groq': 401 Unauthorized — the key was refused; run 'LLM Router: Set API Key'$/, ['setApiKey', 'showLog']],
    ['a missing key says to set it', { provider: 'groq', errorClass: 'missing_key', ...GROQ }, /no API key is stored — run 'LLM Router: Set API Key'$/, ['setApiKey']],
    ['429 says rate limited and offers another provider', { provider: 'groq', errorClass: 'rate_limited', status: 429, ...GROQ }, /^Provider 'groq': 429 Too Many Requests — it is tried again after the wait it asked for; or add another provider$/, ['addProvider', 'showLog']],
    ['a used-up quota points at billing', { provider: 'groq', errorClass: 'quota_exceeded', status: 402, ...GROQ }, /402 Payment Required — the account's quota or credit is used up/, ['addProvider', 'showLog']],
    ['503 names the host and says to try again', { provider: 'groq', errorClass: 'server_error', status: 503, ...GROQ }, /^Provider 'groq': 503 Service Unavailable at api\.groq\.com — the service is having trouble/, ['showLog']],
    ['a first-token timeout keeps the engine\'s detail (without repeating the name) and names the first-token settings', { provider: 'slow', errorClass: 'timeout', message: "Provider 'slow': first token timeout after 8000 ms.", ...GROQ }, /did not answer in time at api\.groq\.com \(first token timeout after 8000 ms\) — it may be slow or hung; raise llmRouter\.timeouts\.interactiveFirstTokenMs \(editor commands\) or llmRouter\.timeouts\.firstTokenMs, or add a faster provider/, ['openSettings', 'showLog']],
    ['a total timeout names totalMs and the provider\'s timeoutMs', { provider: 'slow', errorClass: 'timeout', message: "Provider 'slow': total timeout after 120000 ms.", ...GROQ }, /raise llmRouter\.timeouts\.totalMs or the provider's timeoutMs, or add a faster provider/, ['openSettings', 'showLog']],
    ['404 says to check the model and baseUrl', { provider: 'groq', errorClass: 'not_found', status: 404, ...GROQ }, /404 Not Found — the model or endpoint does not exist there/, ['openSettings', 'showLog']],
    ['an open breaker says the provider was skipped', { provider: 'groq', errorClass: 'breaker_open', ...GROQ }, /was skipped: its circuit breaker is open/, ['showLog']],
  ];
  for (const [spec, facts, text, actions] of table) {
    it(spec, () => {
      const advice = adviseFailure(facts);
      assert.match(advice.text, text);
      assert.deepEqual(advice.actions, actions);
    });
  }

  it('has a sentence naming the provider for every error class', () => {
    for (const errorClass of Object.keys(ERROR_CLASSES)) {
      const advice = adviseFailure({ provider: 'groq', errorClass, ...GROQ, status: 500 });
      assert.match(advice.text, /'groq'/, errorClass);
      assert.ok(advice.actions.length > 0, errorClass);
    }
  });

  it("turns 'every provider failed — ollama: connection' into one sentence per provider, last word of each, with the buttons of all", () => {
    const r = adviseAttempts([
      { provider: 'groq', errorClass: 'server_error', status: 503, ...GROQ },
      { provider: 'groq', errorClass: 'auth', status: 401, ...GROQ },
      { provider: 'ollama', errorClass: 'connection', ...OLLAMA },
      { provider: 'ollama', errorClass: 'cancelled', ...OLLAMA },
    ]);
    assert.deepEqual(r.lines, [
      "Provider 'groq': 401 Unauthorized — the key was refused; run 'LLM Router: Set API Key'",
      "Ollama isn't running on localhost:11434 (provider 'ollama') — start it (ollama serve), or add a provider",
    ]);
    assert.deepEqual(r.actions, ['setApiKey', 'addProvider', 'showLog']);
  });
});
