import assert from 'node:assert/strict';
import { createTokenCheck } from '../../src/gateway/auth';
import { GatewayError } from '../../src/gateway/gatewayError';
import { allowedHostHeaders, createRequestGuard } from '../../src/gateway/requestGuards';

function refusal(fn: () => void): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  return assert.fail('expected a refusal');
}

describe('gateway guards', () => {
  it('accepts the token in either header and refuses a prefix, an extension, another scheme or nothing', () => {
    const check = createTokenCheck('secret-token-123');
    check({ authorization: 'Bearer secret-token-123' });
    check({ authorization: 'bearer   secret-token-123' });
    check({ 'x-api-key': 'secret-token-123' });
    check({ authorization: 'Bearer wrong', 'x-api-key': 'secret-token-123' });
    for (const headers of [{ authorization: 'Bearer secret-token-12' }, { authorization: 'Bearer secret-token-1234' }, { authorization: 'Basic secret-token-123' }, { 'x-api-key': '' }]) {
      assert.equal(refusal(() => check(headers)).status, 401, JSON.stringify(headers));
    }
    assert.match(refusal(() => check({})).message, /Missing gateway token/);
  });

  it('knows the loopback names for a loopback bind and only the address itself otherwise', () => {
    assert.deepEqual([...allowedHostHeaders('127.0.0.1', 8686)].sort(), ['127.0.0.1:8686', '[::1]:8686', 'localhost:8686']);
    assert.deepEqual([...allowedHostHeaders('::1', 9)].sort(), ['127.0.0.1:9', '[::1]:9', 'localhost:9']);
    assert.deepEqual([...allowedHostHeaders('192.168.1.20', 8686)], ['192.168.1.20:8686']);
    const wildcard = allowedHostHeaders('0.0.0.0', 8686);
    assert.ok(wildcard.has('localhost:8686') && wildcard.has('127.0.0.1:8686'));
    assert.ok(!wildcard.has('evil.example:8686'));
  });

  it('adds the names listed in gateway.allowedHosts: with a port as written, without one also with its own port', () => {
    const allowed = allowedHostHeaders('0.0.0.0', 8686, ['LLM.team.internal', 'lb.team.internal:8080']);
    for (const host of ['llm.team.internal', 'llm.team.internal:8686', 'lb.team.internal:8080']) assert.ok(allowed.has(host), host);
    for (const host of ['llm.team.internal:9999', 'lb.team.internal', 'lb.team.internal:8686']) assert.ok(!allowed.has(host), host);
    const guard = createRequestGuard({ allowedHosts: allowed, allowedOrigins: [] });
    guard({ host: 'LLM.Team.Internal' });
    assert.match(refusal(() => guard({ host: 'other.team.internal' })).message, /gateway\.allowedHosts/);
  });

  it('refuses a missing Host, a foreign Host and an unlisted Origin with 403, and lets a listed Origin through', () => {
    const guard = createRequestGuard({ allowedHosts: allowedHostHeaders('127.0.0.1', 80), allowedOrigins: ['vscode-webview://abc'] });
    guard({ host: 'localhost:80' });
    guard({ host: '127.0.0.1:80', origin: 'vscode-webview://abc' });
    assert.equal(refusal(() => guard({})).status, 403);
    assert.equal(refusal(() => guard({ host: 'rebound.example:80' })).status, 403);
    assert.equal(refusal(() => guard({ host: 'localhost:80', origin: 'https://evil.example' })).status, 403);
  });
});
