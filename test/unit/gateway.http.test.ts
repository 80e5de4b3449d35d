import assert from 'node:assert/strict';
import http from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { GATEWAY_TOKEN, type GatewayHarness, rejectionOf, startGatewayHarness } from './gatewayHarness';

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A plain http request, so Host, Origin and Content-Length can be whatever the test says. */
function rawRequest(url: string, opts: { method?: string; path: string; headers?: Record<string, string | number>; body?: string; sendBody?: boolean }): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${opts.path}`, { method: opts.method ?? 'POST', headers: opts.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (opts.sendBody === false) req.flushHeaders();
    else req.end(opts.body ?? '');
  });
}

const chatBody = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Say hello' }], ...extra });
const messagesBody = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'auto', max_tokens: 100, messages: [{ role: 'user', content: 'Say hello' }], ...extra });
const auth = { authorization: `Bearer ${GATEWAY_TOKEN}`, 'content-type': 'application/json' };

describe('gateway: auth, origins, hosts, limits and stream ends on the wire', () => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('refuses a missing or wrong token with 401, in either header style, for both APIs', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const wrongOpenai = await rejectionOf(h.openai({ apiKey: 'not-the-token' }).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }));
    assert.ok(wrongOpenai instanceof OpenAI.AuthenticationError, String(wrongOpenai));
    assert.equal(wrongOpenai.code, 'invalid_api_key');
    const wrongKey = await rejectionOf(h.anthropic({ apiKey: 'not-the-token' }).messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    assert.ok(wrongKey instanceof Anthropic.AuthenticationError, String(wrongKey));
    assert.equal((wrongKey.error as { error: { type: string } }).error.type, 'authentication_error');
    const wrongBearer = await rejectionOf(h.anthropic({ apiKey: null, authToken: 'not-the-token' }).messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    assert.ok(wrongBearer instanceof Anthropic.AuthenticationError, String(wrongBearer));

    const host = `127.0.0.1:${h.gateway.port}`;
    for (const [path, body] of [['/v1/chat/completions', chatBody()], ['/v1/messages', messagesBody()]] as const) {
      const missing = await rawRequest(h.gateway.url, { path, headers: { host, 'content-type': 'application/json' }, body });
      assert.equal(missing.status, 401, `${path} without a token`);
      assert.match(missing.text, /Missing gateway token/);
      const wrongApiKey = await rawRequest(h.gateway.url, { path, headers: { host, 'x-api-key': `${GATEWAY_TOKEN}x` }, body });
      assert.equal(wrongApiKey.status, 401);
      const rightApiKey = await rawRequest(h.gateway.url, { path, headers: { host, 'x-api-key': GATEWAY_TOKEN }, body });
      assert.equal(rightApiKey.status, 200, rightApiKey.text);
    }
    const models = await rawRequest(h.gateway.url, { method: 'GET', path: '/v1/models', headers: { host } });
    assert.equal(models.status, 401, 'even the model list needs the token');
    assert.equal(h.emulators.primary.requests.length, 2, 'only the two authorised requests reached the provider');
  });

  it('refuses requests from a web page (Origin) with 403 unless gateway.allowedOrigins lists it', async () => {
    h = await startGatewayHarness([{ id: 'primary' }], {}, { allowedOrigins: ['http://localhost:3000'] });
    const refused = await rejectionOf(h.openai({ defaultHeaders: { origin: 'https://evil.example' } }).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }));
    assert.ok(refused instanceof OpenAI.PermissionDeniedError, String(refused));
    assert.match(refused.message, /Origin 'https:\/\/evil\.example'.*gateway\.allowedOrigins/);
    const refusedAnthropic = await rejectionOf(h.anthropic({ defaultHeaders: { origin: 'null' } }).messages.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    assert.ok(refusedAnthropic instanceof Anthropic.PermissionDeniedError, String(refusedAnthropic));
    assert.equal((refusedAnthropic.error as { error: { type: string } }).error.type, 'permission_error');
    assert.equal(h.emulators.primary.requests.length, 0);

    const allowed = await h.openai({ defaultHeaders: { origin: 'http://localhost:3000' } }).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(allowed.response.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    const preflight = await rawRequest(h.gateway.url, { method: 'OPTIONS', path: '/v1/chat/completions', headers: { host: `localhost:${h.gateway.port}`, origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
  });

  it('lets a listed origin send the headers the SDKs add (x-stainless-*) and read the routing headers and request id', async () => {
    h = await startGatewayHarness([{ id: 'primary' }], {}, { allowedOrigins: ['http://localhost:3000'] });
    const sdkHeaders = 'authorization, content-type, x-stainless-retry-count, x-stainless-timeout, x-stainless-lang, x-stainless-os, anthropic-version, anthropic-dangerous-direct-browser-access';
    const preflight = await rawRequest(h.gateway.url, {
      method: 'OPTIONS',
      path: '/v1/messages',
      headers: { host: `localhost:${h.gateway.port}`, origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': sdkHeaders },
    });
    assert.equal(preflight.status, 204);
    const allowed = String(preflight.headers['access-control-allow-headers']).split(/\s*,\s*/);
    for (const name of sdkHeaders.split(', ')) assert.ok(allowed.includes(name), `${name} allowed`);

    const { response } = await h.openai({ defaultHeaders: { origin: 'http://localhost:3000' } }).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(/\s*,\s*/);
    for (const name of ['x-llm-router-provider', 'x-llm-router-attempts', 'x-llm-router-dropped-tools', 'x-request-id', 'request-id', 'retry-after']) assert.ok(exposed.includes(name), `${name} exposed`);
  });

  it('refuses a Host header other than the bound address (DNS rebinding) with 403, and accepts the loopback names', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const port = h.gateway.port;
    for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, 'localhost']) {
      const r = await rawRequest(h.gateway.url, { path: '/v1/chat/completions', headers: { ...auth, host }, body: chatBody() });
      assert.equal(r.status, 403, host);
      assert.equal(JSON.parse(r.text).error.type, 'invalid_request_error');
      assert.match(JSON.parse(r.text).error.message, /is not this gateway's address/);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const r = await rawRequest(h.gateway.url, { path: '/v1/chat/completions', headers: { ...auth, host }, body: chatBody() });
      assert.equal(r.status, 200, host);
    }
    const anthropicShape = await rawRequest(h.gateway.url, { path: '/v1/messages', headers: { ...auth, host: `attacker.example:${port}` }, body: messagesBody() });
    assert.equal(anthropicShape.status, 403);
    assert.equal(JSON.parse(anthropicShape.text).error.type, 'permission_error');
    assert.equal(h.emulators.primary.requests.length, 4);
  });

  it('answers 413 to a body over gateway.maxBodyBytes without reading it, declared or streamed', async () => {
    h = await startGatewayHarness([{ id: 'primary' }], {}, { maxBodyBytes: 1024 });
    const host = `127.0.0.1:${h.gateway.port}`;
    const declared = await rawRequest(h.gateway.url, { path: '/v1/chat/completions', headers: { ...auth, host, 'content-length': 50 * 1024 * 1024 }, sendBody: false });
    assert.equal(declared.status, 413);
    assert.equal(JSON.parse(declared.text).error.code, 'request_too_large');
    assert.match(JSON.parse(declared.text).error.message, /gateway\.maxBodyBytes \(1024 bytes\)/);
    const anthropic = await rawRequest(h.gateway.url, { path: '/v1/messages', headers: { ...auth, host, 'content-length': 4096 }, sendBody: false });
    assert.equal(anthropic.status, 413);
    assert.equal(JSON.parse(anthropic.text).error.type, 'request_too_large');

    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${h!.gateway.url}/v1/chat/completions`, { method: 'POST', headers: { ...auth, host, 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('x'.repeat(2048));
    });
    assert.equal(chunked, 413);
    assert.equal(h.emulators.primary.requests.length, 0);
  });

  it('ends a broken OpenAI stream with a data: {"error"} event and no [DONE], and a broken Anthropic stream with an error event and no message_stop', async () => {
    h = await startGatewayHarness([{ id: 'primary' }, { id: 'backup' }]);
    const host = `127.0.0.1:${h.gateway.port}`;
    h.emulators.primary.enqueue({ type: 'cut', afterChunks: 1 });
    const openai = await rawRequest(h.gateway.url, { path: '/v1/chat/completions', headers: { ...auth, host }, body: chatBody({ stream: true }) });
    assert.equal(openai.status, 200);
    const events = openai.text.trim().split('\n\n');
    assert.match(events[1], /"content":"Hello "/);
    const last = JSON.parse(events[events.length - 1].replace(/^data: /, ''));
    assert.equal(last.error.code, 'all_providers_failed');
    assert.ok(!openai.text.includes('[DONE]'));

    h.emulators.primary.enqueue({ type: 'cut', afterChunks: 1 });
    const anthropic = await rawRequest(h.gateway.url, { path: '/v1/messages', headers: { ...auth, host }, body: messagesBody({ stream: true }) });
    assert.equal(anthropic.status, 200);
    const blocks = anthropic.text.trim().split('\n\n');
    assert.match(blocks[blocks.length - 1], /^event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    assert.ok(!anthropic.text.includes('message_stop'));
    assert.equal(h.emulators.backup.requests.length, 0);
  });

  it('turns a stream that fails before any output into a proper error status', async () => {
    h = await startGatewayHarness([{ id: 'primary' }], { retry: { maxAttempts: 1 } });
    h.emulators.primary.enqueue({ type: 'status', status: 503 });
    const r = await rawRequest(h.gateway.url, { path: '/v1/chat/completions', headers: { ...auth, host: `127.0.0.1:${h.gateway.port}` }, body: chatBody({ stream: true }) });
    assert.equal(r.status, 502);
    assert.match(String(r.headers['content-type']), /application\/json/);
    assert.equal(r.headers['x-llm-router-attempts'], '1');
    assert.equal(JSON.parse(r.text).error.attempts[0].status, 503);
    assert.ok(!r.text.includes('sk-test-key'), 'the upstream key appears nowhere in the answer');
  });

  it('answers an unknown path with 404 and bad JSON with 400, each in its API shape', async () => {
    h = await startGatewayHarness([{ id: 'primary' }]);
    const host = `127.0.0.1:${h.gateway.port}`;
    const unknown = await rawRequest(h.gateway.url, { path: '/v1/embeddings', headers: { ...auth, host }, body: '{}' });
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.text).error.code, 'not_found');
    const badJson = await rawRequest(h.gateway.url, { path: '/v1/messages', headers: { ...auth, host }, body: '{"model":' });
    assert.equal(badJson.status, 400);
    assert.deepEqual(JSON.parse(badJson.text), { type: 'error', error: { type: 'invalid_request_error', message: 'The request body is not valid JSON.' }, request_id: badJson.headers['request-id'] });
  });
});
