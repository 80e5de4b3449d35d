import type { EmulatedReply, WireFormat } from '../wireFormat';

/** Ollama's POST /api/chat, from ollama/docs/api.md ("Generate a chat completion"). */
/** Tools, `images` and `format` as in github.com/ollama/ollama docs/api.md, "Chat request (with tools)" (read 2026-12-03). */
export const ollamaFormat: WireFormat = {
  kind: 'ollama',
  framing: 'ndjson',

  match(method, path, _query, body) {
    if (method !== 'POST' || path !== '/api/chat') return null;
    const b = asRecord(body);
    // Like real Ollama: a body without `stream: false` gets a stream.
    return { stream: b.stream !== false, model: typeof b.model === 'string' ? b.model : undefined };
  },

  promptText(body) {
    const messages = asRecord(body).messages;
    if (!Array.isArray(messages)) return '';
    return messages.map((m) => (typeof asRecord(m).content === 'string' ? (asRecord(m).content as string) : '')).join('\n');
  },

  completionBody(reply) {
    return {
      model: reply.model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: reply.text, ...toolCallsOf(reply) },
      done_reason: 'stop',
      done: true,
      ...statsOf(reply),
    };
  },

  streamFrames(reply) {
    const lines = reply.chunks.map((content) =>
      ndjson({ model: reply.model, created_at: new Date().toISOString(), message: { role: 'assistant', content }, done: false }),
    );
    // Calls arrive whole, in a line of their own before the done line.
    if (reply.toolCalls?.length) lines.push(ndjson({ model: reply.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '', ...toolCallsOf(reply) }, done: false }));
    lines.push(
      ndjson({
        model: reply.model,
        created_at: new Date().toISOString(),
        message: { role: 'assistant', content: '' },
        done_reason: 'stop',
        done: true,
        ...statsOf(reply),
      }),
    );
    return lines;
  },

  errorBody(status, message) {
    return { body: { error: message || defaultMessage(status) } };
  },

  streamErrorFrame(message) {
    return ndjson({ error: message });
  },

  /** An empty message that is not `done`; streamed, one such line and then the end of the body. */
  emptyAnswer(reply) {
    const line = { model: reply.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done: false };
    return { body: line, frames: [ndjson(line)] };
  },
};

/** The final object's statistics; durations are in nanoseconds. */
function statsOf(reply: EmulatedReply): Record<string, number> {
  const promptEvalDuration = reply.usage.inputTokens * 1_000_000;
  const evalDuration = reply.usage.outputTokens * 20_000_000;
  const loadDuration = 2_000_000;
  return {
    total_duration: loadDuration + promptEvalDuration + evalDuration,
    load_duration: loadDuration,
    prompt_eval_count: reply.usage.inputTokens,
    prompt_eval_duration: promptEvalDuration,
    eval_count: reply.usage.outputTokens,
    eval_duration: evalDuration,
  };
}

function defaultMessage(status: number): string {
  switch (status) {
    case 400:
      return 'model is required';
    case 404:
      return "model 'llama3.2' not found, try pulling it first";
    case 503:
      return 'server busy, please try again.  maximum pending requests exceeded';
    default:
      return 'an error was encountered while running the model';
  }
}

/** `message.tool_calls` with object arguments, as docs/api.md shows (Ollama sends no finish reason of its own for calls). */
function toolCallsOf(reply: EmulatedReply): { tool_calls?: unknown[] } {
  if (!reply.toolCalls?.length) return {};
  return { tool_calls: reply.toolCalls.map((c) => ({ function: { name: c.name, arguments: JSON.parse(c.arguments) as unknown } })) };
}

function ndjson(obj: unknown): string {
  return `${JSON.stringify(obj)}\n`;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
