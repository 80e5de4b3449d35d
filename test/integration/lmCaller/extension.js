// A second extension that uses LLM Router's models only through vscode.lm, as Copilot Chat does. The tests call
// its exports; every vscode.lm call is then this extension's, not LLM Router's own.
const vscode = require('vscode');

function describeModel(m) {
  return { id: m.id, name: m.name, vendor: m.vendor, family: m.family, version: m.version, maxInputTokens: m.maxInputTokens, capabilities: m.capabilities };
}

/** Plain data for the test: [{ role: 'user'|'assistant', parts: [{ text } | { callId, name, input } | { callId, result } | { mimeType, base64 }] }]. */
function toMessages(turns) {
  return turns.map((turn) => {
    const parts = turn.parts.map((p) => {
      if (p.text !== undefined) return new vscode.LanguageModelTextPart(p.text);
      if (p.result !== undefined) return new vscode.LanguageModelToolResultPart(p.callId, [new vscode.LanguageModelTextPart(p.result)]);
      if (p.name !== undefined) return new vscode.LanguageModelToolCallPart(p.callId, p.name, p.input);
      return vscode.LanguageModelDataPart.image(Buffer.from(p.base64, 'base64'), p.mimeType);
    });
    return turn.role === 'assistant' ? vscode.LanguageModelChatMessage.Assistant(parts) : vscode.LanguageModelChatMessage.User(parts);
  });
}

function describePart(part) {
  if (part instanceof vscode.LanguageModelTextPart) return { type: 'text', value: part.value };
  if (part instanceof vscode.LanguageModelToolCallPart) return { type: 'tool_call', callId: part.callId, name: part.name, input: part.input };
  if (part instanceof vscode.LanguageModelDataPart) return { type: 'data', mimeType: part.mimeType, text: Buffer.from(part.data).toString('utf8') };
  return { type: 'other', constructor: part && part.constructor && part.constructor.name };
}

// A model of this extension's own, standing in for Copilot's: what LLM Router's vscode-lm providers reach.
const ECHO_MODEL = { id: 'echo', name: 'Echo', family: 'echo', version: '1', maxInputTokens: 8000, maxOutputTokens: 1000, capabilities: { toolCalling: true } };
const editorModel = { behaviour: 'answer', requests: [] };

function registerEchoModel() {
  return vscode.lm.registerLanguageModelChatProvider('llm-router-tests', {
    provideLanguageModelChatInformation: () => [ECHO_MODEL],
    async provideLanguageModelChatResponse(_model, messages, options, progress) {
      editorModel.requests.push({
        messages: messages.map((m) => ({ role: m.role, parts: m.content.map(describePart) })),
        tools: (options.tools || []).map((t) => t.name),
      });
      if (editorModel.behaviour === 'blocked') throw vscode.LanguageModelError.Blocked('the echo model is over its quota');
      progress.report(new vscode.LanguageModelTextPart('Hello from the '));
      progress.report(new vscode.LanguageModelTextPart('editor model.'));
      // Usage as Copilot's own models send it: OpenAI-shaped JSON in a data part.
      const usage = { prompt_tokens: 21, completion_tokens: 7, total_tokens: 28, prompt_tokens_details: { cached_tokens: 16 } };
      progress.report(new vscode.LanguageModelDataPart(Buffer.from(JSON.stringify(usage)), 'token_usage'));
    },
    provideTokenCount: async (_model, text) => Math.ceil(String(typeof text === 'string' ? text : '').length / 4),
  });
}

exports.activate = (context) => {
  context.subscriptions.push(registerEchoModel());
  return api;
};

const api = {
  vscodeVersion: vscode.version,
  editorModel,
  async models(selector) {
    return (await vscode.lm.selectChatModels(selector)).map(describeModel);
  },
  /** Resolves when VS Code next says the set of chat models changed. */
  nextModelsChange(timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { sub.dispose(); reject(new Error(`no onDidChangeChatModels within ${timeoutMs} ms`)); }, timeoutMs);
      const sub = vscode.lm.onDidChangeChatModels(() => { clearTimeout(timer); sub.dispose(); resolve(); });
    });
  },
  async countTokens(selector, text) {
    const [model] = await vscode.lm.selectChatModels(selector);
    return model.countTokens(text);
  },
  /**
   * Sends one request and reads the whole stream. `cancelAfterParts`: cancel once that many parts arrived.
   * Resolves with the parts and, when sendRequest or the stream failed, the error's name, message and code.
   */
  async ask({ selector, turns, tools, toolMode, cancelAfterParts }) {
    const [model] = await vscode.lm.selectChatModels(selector);
    if (!model) throw new Error(`no chat model matches ${JSON.stringify(selector)}`);
    const cts = new vscode.CancellationTokenSource();
    const parts = [];
    const started = Date.now();
    try {
      const response = await model.sendRequest(toMessages(turns), { tools, toolMode, justification: 'LLM Router integration test' }, cts.token);
      for await (const part of response.stream) {
        parts.push(describePart(part));
        if (cancelAfterParts !== undefined && parts.length >= cancelAfterParts) cts.cancel();
      }
      return { parts, ms: Date.now() - started, cancelled: cts.token.isCancellationRequested };
    } catch (err) {
      return { parts, ms: Date.now() - started, cancelled: cts.token.isCancellationRequested, error: { name: err && err.name, message: String(err && err.message), code: err && err.code } };
    } finally {
      cts.dispose();
    }
  },
};
