import type { ServerResponse } from 'node:http';
import type { RouterEngine } from '../engine/engine';
import type { CallSignatures } from './callSignatures';
import type { ChatDialect, ParsedChat } from './chatDialect';
import { toGatewayError } from './gatewayError';
import { attemptCount, routingHeaders, sendJson } from './httpReply';
import { configuredModel, providersForModel } from './models';

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

/**
 * Runs one chat through the engine and answers in the client's API. A stream is held back until its first
 * text or tool call, so a failure before it still falls back inside the engine or becomes a proper error status.
 */
export async function serveChat<P extends ParsedChat>(
  engine: RouterEngine,
  dialect: ChatDialect<P>,
  parsed: P,
  res: ServerResponse,
  signal: AbortSignal,
  signatures: CallSignatures,
): Promise<void> {
  for (const [name, value] of Object.entries(parsed.headers ?? {})) res.setHeader(name, value);
  const onlyProviders = providersForModel(engine, parsed.model);
  const { request } = parsed;
  signatures.restore(request);
  if (!request.stream) {
    const result = await engine.chat(request, { signal, onlyProviders });
    signatures.remember(result.toolCalls, dialect.toolCallId);
    sendJson(res, 200, dialect.completion(result, parsed), routingHeaders(result.provider, attemptCount(result.attempts)));
    return;
  }
  const out = dialect.stream(parsed);
  const begin = (provider: string, attempts: number): void => {
    res.writeHead(200, { ...SSE_HEADERS, ...routingHeaders(provider, attempts) });
    res.write(out.start(configuredModel(engine, provider)));
  };
  try {
    const result = await engine.chat(request, {
      signal,
      onlyProviders,
      onStreamStart: (provider, earlier) => begin(provider, attemptCount(earlier) + 1),
      onText: (delta) => res.write(out.text(delta)),
      onToolCall: (call) => res.write(out.toolCall(call)),
    });
    signatures.remember(result.toolCalls, dialect.toolCallId);
    if (!res.headersSent) begin(result.provider, attemptCount(result.attempts));
    res.end(out.finish(result));
  } catch (err) {
    if (!res.headersSent) throw err;
    res.end(out.fail(toGatewayError(err)));
  }
}
