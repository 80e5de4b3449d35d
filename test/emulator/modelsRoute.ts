import type http from 'node:http';
import type { Fault, FormatKind } from './server';

/** A provider's token-free models list, as background health probes ask for it. */
export interface ModelsRoute {
  format: FormatKind;
  body: unknown;
}

/** Matches each provider's models endpoint (GET), and builds the listing it answers with in that provider's shape. */
export function matchModelsRoute(method: string, path: string, model: string): ModelsRoute | undefined {
  if (method !== 'GET') return undefined;
  switch (path) {
    case '/v1/models':
      // OpenAI, Anthropic and Cohere share the path; each client reads only the fields it knows.
      return { format: 'openai', body: { object: 'list', data: [{ id: model, object: 'model', type: 'model', display_name: model }], models: [{ name: model }], has_more: false } };
    case '/v1beta/models':
      return { format: 'gemini', body: { models: [{ name: `models/${model}`, supportedGenerationMethods: ['generateContent'] }] } };
    case '/api/tags':
      return { format: 'ollama', body: { models: [{ name: model, model }] } };
    default:
      return undefined;
  }
}

/** Answers a models request: the listing, or what the queued fault says (a status, a hang, a reset); other faults answer normally. */
export async function respondModels(res: http.ServerResponse, route: ModelsRoute, fault: Fault | undefined, sleep: (res: http.ServerResponse, ms: number) => Promise<boolean>): Promise<void> {
  if (fault?.type === 'hang') {
    await sleep(res, 2 ** 31 - 1);
    return;
  }
  if (fault?.type === 'reset') {
    res.socket?.resetAndDestroy();
    return;
  }
  if (fault?.type === 'delay' && !(await sleep(res, fault.ms))) return;
  const status = fault?.type === 'status' ? fault.status : 200;
  const body = fault?.type === 'status' ? { error: { message: fault.message ?? `HTTP ${fault.status}`, type: 'error', code: fault.status } } : route.body;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(fault?.type === 'status' ? fault.headers : {}) };
  if (fault?.type === 'status' && fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}
