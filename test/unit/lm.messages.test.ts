import assert from 'node:assert/strict';
import { estimateTokens, toChatRequest, type LmMessage } from '../../src/extension/lm/lmMessages';
import { estimateWindowTokens } from '../../src/engine/routing/capabilities';
import { startHarness, type Harness } from '../support/engineHarness';

// Parts shaped like VS Code's classes (vscode.d.ts 1.104+): LanguageModelTextPart { value },
// LanguageModelToolCallPart { callId, name, input }, LanguageModelToolResultPart { callId, content },
// LanguageModelDataPart { mimeType, data }. Roles: User 1, Assistant 2, System 3 (Copilot Chat's proposed role).
const text = (value: string) => ({ value });
const call = (callId: string, name: string, input: object) => ({ callId, name, input });
const result = (callId: string, content: unknown[]) => ({ callId, content });
const data = (mimeType: string, bytes: Uint8Array | string) => ({ mimeType, data: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes });
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const user = (...content: unknown[]): LmMessage => ({ role: 1, content });
const assistant = (...content: unknown[]): LmMessage => ({ role: 2, content });
const system = (...content: unknown[]): LmMessage => ({ role: 3, content });

describe('language model messages: VS Code parts to the engine request', () => {
  it('turns a tool round trip into user, assistant (text + tool_call) and tool messages, in order', () => {
    const req = toChatRequest([
      system(text('You are terse.')),
      user(text('Weather in Paris?')),
      assistant(text('Checking.'), call('call_1', 'get_weather', { city: 'Paris' })),
      user(result('call_1', [text('18 °C, sunny')]), text('And tomorrow?')),
    ]);
    assert.equal(req.system, 'You are terse.');
    assert.equal(req.stream, true);
    assert.deepEqual(req.messages, [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
      { role: 'tool', content: [{ type: 'tool_result', callId: 'call_1', content: '18 °C, sunny' }] },
      { role: 'user', content: 'And tomorrow?' },
    ]);
  });

  it('sends image data parts as base64 images and text/JSON data parts as text; drops other data (cache hints)', () => {
    const req = toChatRequest([user(text('What is this?'), data('image/png', PNG), data('application/json', '{"a":1}'), data('cache_control', 'ephemeral'))]);
    assert.deepEqual(req.messages[0].content, [
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: Buffer.from(PNG).toString('base64') } },
      { type: 'text', text: '{"a":1}' },
    ]);
  });

  it('keeps an image inside a tool result as an image part', () => {
    const req = toChatRequest([user(result('c', [text('screenshot:'), data('image/png', PNG)]))]);
    assert.deepEqual(req.messages, [
      { role: 'tool', content: [{ type: 'tool_result', callId: 'c', content: [{ type: 'text', text: 'screenshot:' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: Buffer.from(PNG).toString('base64') } }] }] },
    ]);
  });

  it('maps tools, Required mode (one tool: that tool) and the shared model options', () => {
    const tools = [{ name: 'get_weather', description: 'Weather for a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }];
    const one = toChatRequest([user(text('hi'))], { tools, toolMode: 2, modelOptions: { temperature: 0.2, max_tokens: 300, seed: 7 } });
    assert.deepEqual(one.tools, [{ name: 'get_weather', description: 'Weather for a city', parameters: tools[0].inputSchema }]);
    assert.deepEqual(one.toolChoice, { name: 'get_weather' });
    assert.equal(one.temperature, 0.2);
    assert.equal(one.maxTokens, 300);
    assert.equal('seed' in one, false);
    const two = toChatRequest([user(text('hi'))], { tools: [...tools, { name: 'noop', description: '' }], toolMode: 2 });
    assert.equal(two.toolChoice, 'required');
    assert.deepEqual(two.tools?.[1], { name: 'noop', parameters: { type: 'object', properties: {} } });
    const auto = toChatRequest([user(text('hi'))], { tools, toolMode: 1 });
    assert.equal(auto.toolChoice, undefined);
    assert.equal(toChatRequest([user(text('hi'))], { tools: [], toolMode: 1 }).tools, undefined);
  });

  it('counts tokens the way the engine checks context windows', () => {
    assert.equal(estimateTokens('x'.repeat(300)), estimateWindowTokens({ messages: [{ role: 'user', content: 'x'.repeat(300) }] }));
    assert.equal(estimateTokens('x'.repeat(300)), 100);
    assert.ok(estimateTokens(user(text('look'), data('image/png', PNG))) >= 1_600, 'an image counts as an image');
  });

  describe('through the real engine to a provider', () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('reaches an Anthropic upstream as its tool_use / tool_result blocks, and the fallback answers when the primary fails', async () => {
      h = await startHarness([{ id: 'primary' }, { id: 'claude', kind: 'anthropic' }], { cache: { enabled: false }, retry: { maxAttempts: 1 } });
      h.emulators.primary.enqueue({ type: 'status', status: 503 });
      const req = toChatRequest(
        [user(text('Weather in Paris?')), assistant(call('toolu_1', 'get_weather', { city: 'Paris' })), user(result('toolu_1', [text('18 °C')]))],
        { tools: [{ name: 'get_weather', description: 'Weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }], toolMode: 1 },
      );
      const deltas: string[] = [];
      const res = await h.engine.chat(req, { onText: (d) => deltas.push(d) });
      assert.equal(res.provider, 'claude');
      assert.ok(deltas.join('').length > 0, 'text streamed');
      const body = h.emulators.claude.requests.at(-1)?.body as { messages: { role: string; content: string | { type: string }[] }[]; tools: unknown[] };
      assert.deepEqual(body.messages.map((m) => [m.role, typeof m.content === 'string' ? ['text'] : m.content.map((c) => c.type)]), [
        ['user', ['text']],
        ['assistant', ['tool_use']],
        ['user', ['tool_result']],
      ]);
      assert.equal(body.tools.length, 1);
    });
  });
});
