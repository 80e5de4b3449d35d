import * as vscode from 'vscode';
import { CancelledError, ProviderError } from '../../engine/errors';
import type { AttemptResult } from '../../engine/http/transport';
import { DEFAULT_EDITOR_VENDOR, OWN_EDITOR_VENDOR, type EditorModelChat } from '../../engine/providers/editorModels';
import type { ChatRequest, ToolCall, Usage } from '../../engine/types';
import { editorModelError } from './editorModelErrors';
import type { LanguageModelCallerApi, LanguageModelChatWithTools } from './languageModelApi';
import { isDataPart, toOutgoingMessages, type OutgoingPart } from './lmMessages';
import { usageFromDataPart } from './tokenUsagePart';

const JUSTIFICATION = 'LLM Router sends your request to this model when it is next in your fallback order (llmRouter.providers).';
/** LanguageModelChatToolMode: Auto 1, Required 2. */
const TOOL_MODE = { auto: 1, required: 2 } as const;

/** Requests no person started: they must not be what makes VS Code ask for permission to use a vendor's models. */
const BACKGROUND_PURPOSES = new Set(['inline']);

/**
 * Requests to providers of kind vscode-lm: the editor's own models through vscode.lm (Copilot's, by default). VS Code
 * asks the user's consent on the first request to a vendor's models; only a request a person started may cause that.
 */
export function editorModelChat(access: vscode.LanguageModelAccessInformation): EditorModelChat {
  return async (p, req, opts) => {
    const api = callerApi();
    if (!api) throw new ProviderError({ provider: p.id, errorClass: 'bad_request', message: `Provider '${p.id}': this VS Code (${vscode.version}) cannot send tool-capable requests to its language models; kind 'vscode-lm' needs VS Code 1.95 or later.` });
    const vendor = p.vendor ?? DEFAULT_EDITOR_VENDOR;
    const models = (await vscode.lm.selectChatModels({ vendor, family: p.model })).filter((m) => m.vendor !== OWN_EDITOR_VENDOR);
    const model = models[0] as unknown as LanguageModelChatWithTools | undefined;
    if (!model) {
      throw new ProviderError({ provider: p.id, errorClass: 'not_found', message: `Provider '${p.id}': VS Code offers no '${vendor}' model of family '${p.model}' (is the extension that provides it installed and signed in?).` });
    }
    if (BACKGROUND_PURPOSES.has(req.purpose ?? '') && access.canSendRequest(model as unknown as vscode.LanguageModelChat) !== true) {
      throw new ProviderError({ provider: p.id, errorClass: 'missing_key', message: `Provider '${p.id}': VS Code has not been allowed to give LLM Router the '${vendor}' models yet; it asks on the first request you start (Suggest Code, Analyze File, the chat), not on a background one.` });
    }
    const started = performance.now();
    const cancel = new vscode.CancellationTokenSource();
    let timedOut: string | undefined;
    let totalTimer: NodeJS.Timeout | undefined;
    let firstTokenTimer: NodeJS.Timeout | undefined;
    const stop = (why?: string) => {
      timedOut ??= why;
      cancel.cancel();
    };
    const onAbort = () => stop();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.totalTimeoutMs) totalTimer = setTimeout(() => stop(`no complete answer within ${opts.totalTimeoutMs} ms`), opts.totalTimeoutMs);
    if (opts.firstTokenTimeoutMs) firstTokenTimer = setTimeout(() => stop(`no first token within ${opts.firstTokenTimeoutMs} ms`), opts.firstTokenTimeoutMs);
    let text = '';
    const toolCalls: ToolCall[] = [];
    let firstAt: number | undefined;
    // Zero unless the model sends its usage as a data part, as Copilot's own models do.
    let usage: Usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0 };
    try {
      const response = await model.sendRequest(buildMessages(api, req), requestOptions(req), cancel.token);
      for await (const part of response.stream) {
        if (firstAt === undefined) {
          firstAt = performance.now();
          clearTimeout(firstTokenTimer);
        }
        if (part instanceof api.LanguageModelTextPart) {
          text += part.value;
          opts.onText?.(part.value);
        } else if (part instanceof api.LanguageModelToolCallPart) {
          const call = { id: part.callId, name: part.name, arguments: (part.input ?? {}) as Record<string, unknown> };
          toolCalls.push(call);
          opts.onToolCall?.(call);
        } else if (isDataPart(part)) {
          usage = usageFromDataPart(part) ?? usage;
        }
      }
    } catch (err) {
      if (opts.signal?.aborted) throw new CancelledError();
      if (timedOut) throw new ProviderError({ provider: p.id, errorClass: 'timeout', message: `Provider '${p.id}': ${timedOut}.` });
      if (err instanceof CancelledError) throw err;
      throw editorModelError(p.id, err);
    } finally {
      clearTimeout(totalTimer);
      clearTimeout(firstTokenTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      cancel.dispose();
    }
    const result: AttemptResult = {
      text,
      toolCalls,
      reasoning: [],
      model: model.id,
      usage,
      finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      latencyMs: performance.now() - started,
      ...(firstAt !== undefined ? { timeToFirstTokenMs: firstAt - started } : {}),
      headers: {},
      status: 200,
    };
    return result;
  };
}

function callerApi(): LanguageModelCallerApi | undefined {
  const api = vscode as unknown as Partial<LanguageModelCallerApi>;
  if (typeof api.LanguageModelTextPart !== 'function' || typeof api.LanguageModelToolCallPart !== 'function' || typeof api.LanguageModelToolResultPart !== 'function') return undefined;
  return api as LanguageModelCallerApi;
}

function buildMessages(api: LanguageModelCallerApi, req: ChatRequest): unknown[] {
  return toOutgoingMessages(req).map((m) => {
    const parts = m.parts.map((p) => buildPart(api, p));
    return m.role === 'assistant' ? api.LanguageModelChatMessage.Assistant(parts) : api.LanguageModelChatMessage.User(parts);
  });
}

function buildPart(api: LanguageModelCallerApi, p: OutgoingPart): unknown {
  switch (p.kind) {
    case 'text':
      return new api.LanguageModelTextPart(p.text);
    case 'tool_call':
      return new api.LanguageModelToolCallPart(p.callId, p.name, p.input);
    case 'tool_result':
      return new api.LanguageModelToolResultPart(p.callId, [new api.LanguageModelTextPart(p.text)]);
    case 'image':
      // Before VS Code 1.105 a model could not take images from another extension.
      return api.LanguageModelDataPart ? api.LanguageModelDataPart.image(p.data, p.mimeType) : new api.LanguageModelTextPart('[image omitted]');
  }
}

function requestOptions(req: ChatRequest): Parameters<LanguageModelChatWithTools['sendRequest']>[1] {
  const options: Parameters<LanguageModelChatWithTools['sendRequest']>[1] = { justification: JUSTIFICATION };
  if (req.tools && req.tools.length > 0 && req.toolChoice !== 'none') {
    const only = typeof req.toolChoice === 'object' ? req.toolChoice.name : undefined;
    options.tools = req.tools.filter((t) => !only || t.name === only).map((t) => ({ name: t.name, description: t.description ?? '', inputSchema: t.parameters }));
    options.toolMode = req.toolChoice === 'required' || only ? TOOL_MODE.required : TOOL_MODE.auto;
  }
  const modelOptions: Record<string, unknown> = {};
  if (req.temperature !== undefined) modelOptions.temperature = req.temperature;
  if (req.maxTokens !== undefined) modelOptions.max_tokens = req.maxTokens;
  if (Object.keys(modelOptions).length > 0) options.modelOptions = modelOptions;
  return options;
}

