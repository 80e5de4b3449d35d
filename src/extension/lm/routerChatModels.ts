import type { ProviderConfig, RouterConfig } from '../../engine/config/schema';
import { contextWindowOf } from '../../engine/routing/capabilities';

/** The vendor Copilot Chat and `vscode.lm.selectChatModels` know our models by. */
export const VENDOR = 'llm-router';
/** The model that routes like every other request: the whole fallback chain. */
export const AUTO_MODEL_ID = 'auto';

/** The window assumed when neither the provider's `contextWindow` nor the shipped price table knows the model's. */
export const UNKNOWN_CONTEXT_WINDOW = 32_768;
/** The output share of a window: a quarter, at most this many tokens; the rest is the prompt's. */
const MAX_OUTPUT_TOKENS = 16_384;

export interface RouterChatModel {
  id: string;
  name: string;
  family: string;
  version: string;
  detail: string;
  tooltip: string;
  maxInputTokens: number;
  maxOutputTokens: number;
  capabilities: { toolCalling: boolean; imageInput: boolean };
  /** The provider ids a request to this model may go to; undefined = route as configured (Auto). */
  onlyProviders?: string[];
}

/**
 * "LLM Router · Auto" and one model per enabled provider. Auto promises only what every provider behind it can
 * serve (the smallest window, tools and images only if none lacks them), so a fallback never meets a request it
 * cannot take; a provider's own model promises what that provider can.
 */
export function routerChatModels(config: RouterConfig): RouterChatModel[] {
  const providers = config.providers.filter((p) => p.enabled !== false);
  if (providers.length === 0) return [];
  const perProvider = providers.map(providerModel);
  const auto: RouterChatModel = {
    id: AUTO_MODEL_ID,
    name: 'LLM Router · Auto',
    family: AUTO_MODEL_ID,
    version: '1',
    detail: `${providers.length} provider${providers.length === 1 ? '' : 's'}, ${config.routing.strategy}`,
    tooltip: `Routes to ${providers.map((p) => p.id).join(', ')} (${config.routing.strategy} strategy) with retries, circuit breakers and fallback.`,
    maxInputTokens: Math.min(...perProvider.map((m) => m.maxInputTokens)),
    maxOutputTokens: Math.min(...perProvider.map((m) => m.maxOutputTokens)),
    capabilities: {
      toolCalling: perProvider.every((m) => m.capabilities.toolCalling),
      imageInput: perProvider.every((m) => m.capabilities.imageInput),
    },
  };
  return [auto, ...perProvider];
}

function providerModel(p: ProviderConfig): RouterChatModel {
  const known = contextWindowOf(p, p.model);
  const window = known ?? UNKNOWN_CONTEXT_WINDOW;
  const maxOutputTokens = Math.min(MAX_OUTPUT_TOKENS, Math.floor(window / 4));
  const windowNote = known === undefined ? ` Context window unknown (${UNKNOWN_CONTEXT_WINDOW} assumed): set contextWindow in llmRouter.providers.` : '';
  return {
    id: p.id,
    name: `LLM Router · ${p.id}`,
    family: p.model,
    version: p.model,
    detail: `${p.kind} · ${p.model}`,
    tooltip: `Only ${p.id} (${p.model}), with its retries; no fallback.${windowNote}`,
    maxInputTokens: window - maxOutputTokens,
    maxOutputTokens,
    // The engine's rule (routing/capabilities.ts): capable unless the settings say otherwise.
    capabilities: { toolCalling: p.capabilities?.tools !== false, imageInput: p.capabilities?.images !== false },
    onlyProviders: [p.id],
  };
}
