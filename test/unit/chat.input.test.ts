import assert from 'node:assert/strict';
import { ChatInputError } from '../../src/engine/chatInput/chatInputError';
import { imageMediaType } from '../../src/engine/chatInput/imageType';
import { parseOpenAiMessages, parseOpenAiResponseFormat, parseOpenAiToolChoice, parseOpenAiTools, parseResponseSchema, parseToolDefinitions } from '../../src/engine/chatInput/openaiMessages';

function refusal(fn: () => unknown): ChatInputError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ChatInputError, `expected a ChatInputError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ChatInputError');
}

describe('chat input: OpenAI messages → neutral model', () => {
  it('joins system and developer messages into the system prompt and keeps user and assistant text as strings', () => {
    const parsed = parseOpenAiMessages([
      { role: 'system', content: 'One.' },
      { role: 'developer', content: [{ type: 'text', text: 'Two.' }] },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
    ]);
    assert.deepEqual(parsed, { system: 'One.\n\nTwo.', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] });
  });

  it('reads tool_calls with JSON-string arguments into objects and a tool message into a tool_result part', () => {
    const parsed = parseOpenAiMessages([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: 'Looking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'w', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
    ]);
    assert.deepEqual(parsed.messages.slice(1), [
      { role: 'assistant', content: [{ type: 'text', text: 'Looking.' }, { type: 'tool_call', id: 'call_1', name: 'w', arguments: { city: 'Paris' } }] },
      { role: 'tool', content: [{ type: 'tool_result', callId: 'call_1', content: '18°C' }] },
    ]);
  });

  it('reads image_url parts: data: URLs as base64 with their media type, http(s) URLs as URLs', () => {
    const parsed = parseOpenAiMessages([
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }, { type: 'image_url', image_url: { url: 'https://x.test/a.jpg' } }] },
    ]);
    assert.deepEqual(parsed.messages[0].content, [
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } },
      { type: 'image', source: { kind: 'url', url: 'https://x.test/a.jpg' } },
    ]);
  });

  it('names the field of each problem', () => {
    assert.equal(refusal(() => parseOpenAiMessages([{ role: 'robot', content: 'x' }])).field, 'messages[0].role');
    assert.equal(refusal(() => parseOpenAiMessages([{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: 'r' }])).field, 'messages[1].tool_call_id');
    const badArgs = [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', function: { name: 'w', arguments: '{oops' } }] }];
    assert.equal(refusal(() => parseOpenAiMessages(badArgs)).field, 'messages[0].tool_calls[0].function.arguments');
    assert.equal(refusal(() => parseOpenAiMessages([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] }])).field, 'messages[0].content[0].image_url.url');
    assert.equal(refusal(() => parseToolDefinitions([{ name: 'a', parameters: {} }, { name: 'a', parameters: {} }])).field, 'tools[1].name');
    assert.equal(refusal(() => parseToolDefinitions([{ name: 'has space', parameters: {} }])).field, 'tools[0].name');
    assert.equal(refusal(() => parseResponseSchema({ type: 'object', properties: { a: 5 } })).field, 'schema.properties.a');
  });

  it('reads the request fields tools, tool_choice and response_format as Chat Completions sends them', () => {
    const tools = parseOpenAiTools([
      { type: 'function', function: { name: 'now', description: 'The time' } },
      { type: 'function', function: { name: 'w', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
    ]);
    assert.deepEqual(tools, [
      { name: 'now', description: 'The time', parameters: { type: 'object', properties: {} } },
      { name: 'w', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
    ]);
    assert.deepEqual(parseOpenAiToolChoice({ type: 'function', function: { name: 'w' } }, tools), { name: 'w' });
    assert.equal(parseOpenAiToolChoice('required', tools), 'required');
    assert.equal(refusal(() => parseOpenAiToolChoice('required', [])).field, 'tool_choice');
    assert.equal(parseOpenAiResponseFormat({ type: 'text' }), undefined);
    assert.deepEqual(parseOpenAiResponseFormat({ type: 'json_object' }), { type: 'json_schema', name: 'json_object', schema: { type: 'object' } });
    assert.deepEqual(parseOpenAiResponseFormat({ type: 'json_schema', json_schema: { name: 'p', schema: { type: 'object' }, strict: true } }), { type: 'json_schema', name: 'p', schema: { type: 'object' }, strict: true });
    assert.equal(refusal(() => parseOpenAiTools([{ type: 'function', function: { name: 'x', parameters: { type: 'nope' } } }])).field, 'tools[0].function.parameters.type');
  });

  it('names the innermost field of a bad content part, not just the content', () => {
    const err = refusal(() => parseOpenAiMessages([{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'input_audio' }] }]));
    assert.equal(err.field, 'messages[0].content[1].type');
  });

  it('tells PNG, JPEG, GIF and WebP from their first bytes and nothing else', () => {
    assert.equal(imageMediaType(Buffer.from('89504e470d0a1a0a0000', 'hex')), 'image/png');
    assert.equal(imageMediaType(Buffer.from('ffd8ffe000104a464946', 'hex')), 'image/jpeg');
    assert.equal(imageMediaType(Buffer.from('GIF89a\x01\x00', 'latin1')), 'image/gif');
    assert.equal(imageMediaType(Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1')), 'image/webp');
    assert.equal(imageMediaType(Buffer.from('%PDF-1.7')), undefined);
    assert.equal(imageMediaType(Buffer.alloc(0)), undefined);
  });
});
