import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RouterEngine } from '../engine/engine';
import { CancelledError } from '../engine/errors';
import { estimateWindowTokens } from '../engine/routing/capabilities';
import { parseCountTokens } from './anthropic/messagesRequest';
import { anthropicMessages } from './anthropic/messagesResponse';
import { createTokenCheck } from './auth';
import { CallSignatures } from './callSignatures';
import type { ChatDialect } from './chatDialect';
import { serveChat } from './chatExchange';
import { allowOrigin, preflight } from './cors';
import { GatewayError, toGatewayError } from './gatewayError';
import { errorHeaders, sendJson } from './httpReply';
import { modelInfo, modelList, providersForModel } from './models';
import { openaiChat } from './openai/chatResponse';
import { openaiResponses } from './openai/responsesApi';
import { readJsonBody } from './readBody';
import { allowedHostHeaders, createRequestGuard } from './requestGuards';

export interface GatewayOptions {
  engine: RouterEngine;
  token: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  allowedOrigins: readonly string[];
  /** Host names besides the bound address that clients may use (`gateway.allowedHosts`). */
  allowedHosts?: readonly string[];
  maxBodyBytes: number;
  /** Told about failures the gateway did not expect (never keys or prompts). */
  warn?: (message: string) => void;
}

export interface RunningGateway {
  /** http://HOST:PORT */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets requests in flight finish, then closes every connection. */
  close(): Promise<void>;
}

const CHAT_PATHS = new Set(['/v1/chat/completions', '/v1/responses', '/v1/messages']);

/** The API a path belongs to, which also words its errors. */
function dialectFor(path: string): ChatDialect {
  if (path.startsWith('/v1/messages')) return anthropicMessages;
  if (path === '/v1/responses') return openaiResponses;
  return openaiChat;
}

/** The local gateway: OpenAI Chat Completions and Responses, and Anthropic Messages, in front of one engine. It translates; the engine routes. */
export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const { engine } = opts;
  const checkToken = createTokenCheck(opts.token);
  const signatures = new CallSignatures();
  let inFlight = 0;
  let closing: (() => void) | undefined;

  async function route(req: http.IncomingMessage, res: http.ServerResponse, path: string, dialect: ChatDialect, signal: AbortSignal): Promise<void> {
    guard(req.headers);
    // Past the guard, an Origin is one the user listed in gateway.allowedOrigins.
    const origin = req.headers.origin;
    if (origin !== undefined) allowOrigin(res, origin);
    if (req.method === 'OPTIONS' && origin !== undefined) return preflight(res, req.headers);
    checkToken(req.headers);
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/v1/models') return sendJson(res, 200, modelList(engine));
    if (method === 'GET' && path.startsWith('/v1/models/')) return sendJson(res, 200, modelInfo(engine, decodeURIComponent(path.slice('/v1/models/'.length))));
    if (method === 'POST' && CHAT_PATHS.has(path)) {
      return serveChat(engine, dialect, dialect.parseChat(await readJsonBody(req, opts.maxBodyBytes)), res, signal, signatures);
    }
    if (method === 'POST' && path === '/v1/messages/count_tokens') {
      const { model, request } = parseCountTokens(await readJsonBody(req, opts.maxBodyBytes));
      providersForModel(engine, model);
      // The window check's estimate (system, messages, tools, images), which errs high: a client that trims its context by it stays inside.
      return sendJson(res, 200, { input_tokens: estimateWindowTokens(request) });
    }
    throw new GatewayError('not_found', `No such endpoint: ${method} ${path} (this gateway serves GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions, POST /v1/responses, POST /v1/messages, POST /v1/messages/count_tokens).`);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    inFlight++;
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const controller = new AbortController();
    // The client went away before its answer was complete: stop the upstream request; the engine does not blame the provider.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
      if (--inFlight === 0) closing?.();
    });
    if (closing) res.shouldKeepAlive = false;
    // The header each SDK reads as the request's id (`_request_id`, `err.requestID`): OpenAI's, then Anthropic's.
    const requestId = `req_${randomUUID().replace(/-/g, '')}`;
    res.setHeader('x-request-id', requestId).setHeader('request-id', requestId);
    const path = (req.url ?? '/').split('?', 1)[0];
    const dialect = dialectFor(path);
    try {
      await route(req, res, path, dialect, controller.signal);
    } catch (err) {
      if (err instanceof CancelledError || res.destroyed) return;
      const gatewayError = toGatewayError(err);
      if (gatewayError.kind === 'internal') opts.warn?.(`gateway: ${req.method} ${path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (res.headersSent) return void res.end();
      // The rest of an oversized body is never read: close the connection instead of draining it.
      if (gatewayError.kind === 'too_large') res.shouldKeepAlive = false;
      sendJson(res, gatewayError.status, dialect.errorBody(gatewayError, requestId), errorHeaders(gatewayError));
    }
  }

  const server = http.createServer({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // The allowed Host values name the port, which --port 0 only gives after listening; no request arrives before that.
  const guard = createRequestGuard({ allowedHosts: allowedHostHeaders(opts.host, port, opts.allowedHosts), allowedOrigins: opts.allowedOrigins });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void handle(req, res));
  const hostInUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        const drained = new Promise<void>((done) => {
          closing = done;
          if (inFlight === 0) done();
        });
        server.close(() => resolve());
        server.closeIdleConnections();
        void drained.then(() => server.closeAllConnections());
      });
      return closed;
    },
  };
}
