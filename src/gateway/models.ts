import type { RouterEngine } from '../engine/engine';
import { GatewayError } from './gatewayError';

const AUTO_MODEL = 'auto';

/** `auto` and the id of every provider the engine can send to: the model names a client may ask for. */
function gatewayModelIds(engine: RouterEngine): string[] {
  return [AUTO_MODEL, ...engine.servableProviders().map((p) => p.id)];
}

/** `auto` routes as configured (undefined); a provider id pins that provider; anything else is a 404. */
export function providersForModel(engine: RouterEngine, model: string): string[] | undefined {
  if (model === AUTO_MODEL) return undefined;
  if (engine.servableProviders().some((p) => p.id === model)) return [model];
  throw new GatewayError('model_not_found', `The model '${model}' does not exist here: use 'auto' or one of the provider ids it serves (${gatewayModelIds(engine).slice(1).join(', ') || 'none configured'}); GET /v1/models lists them.`);
}

/** The model a pinned or answering provider is configured with, for responses that must name one before the answer. */
export function configuredModel(engine: RouterEngine, providerId: string): string {
  return engine.config.providers.find((p) => p.id === providerId)?.model ?? providerId;
}

/** One model in the OpenAI shape, with Anthropic's fields added so both SDKs can read it. */
function modelEntry(id: string): unknown {
  return { id, object: 'model', created: 0, owned_by: 'llm-router', type: 'model', display_name: id === AUTO_MODEL ? 'LLM Router · Auto' : `LLM Router · ${id}`, created_at: '1970-01-01T00:00:00Z' };
}

/** GET /v1/models/{id}; a 404 for a name that is not `auto` or an enabled provider id. */
export function modelInfo(engine: RouterEngine, id: string): unknown {
  providersForModel(engine, id);
  return modelEntry(id);
}

/** GET /v1/models in OpenAI's list format, with Anthropic's list fields added so both SDKs can read it. */
export function modelList(engine: RouterEngine): unknown {
  const ids = gatewayModelIds(engine);
  return {
    object: 'list',
    data: ids.map(modelEntry),
    has_more: false,
    first_id: ids[0],
    last_id: ids[ids.length - 1],
  };
}
