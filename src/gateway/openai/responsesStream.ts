import type { StreamTranslator } from '../chatDialect';
import { callItem, endStatus, messageItem, outputText, responseId, responseObject, type ItemStatus, type MessageItem, type OutputItem, type ResponseState } from './responseObject';
import type { ParsedResponse } from './responsesRequest';

/** The message item text is being written into, and its place in the output. */
interface OpenMessage {
  item: MessageItem;
  index: number;
}

/**
 * A streamed Response, as the openai npm client 6.30.1 types the streaming events (ResponseStreamEvent, read
 * 2026-12-04) and its ResponseStream helper assembles them: response.created and
 * response.in_progress; per message output_item.added, content_part.added, output_text.delta…, output_text.done,
 * content_part.done, output_item.done; per call output_item.added, function_call_arguments.delta and .done,
 * output_item.done; then response.completed (or response.incomplete) with the whole Response and its usage.
 * Every event names its type in the SSE `event:` line and carries a sequence_number; there is no `[DONE]`.
 */
export function responsesStream(parsed: ParsedResponse): StreamTranslator {
  const state: ResponseState & { output: OutputItem[] } = { id: responseId(), createdAt: Math.floor(Date.now() / 1000), model: parsed.model, status: 'in_progress', output: [] };
  let sequence = 0;
  let open: OpenMessage | undefined;

  const event = (type: string, fields: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`;
  const snapshot = (): Record<string, unknown> => responseObject(state, parsed.settings);

  const openMessage = (): { current: OpenMessage; events: string } => {
    const current = { item: messageItem('', 'in_progress'), index: state.output.length };
    open = current;
    state.output.push(current.item);
    const { item, index } = current;
    const events =
      event('response.output_item.added', { output_index: index, item: { ...item, content: [] } }) +
      event('response.content_part.added', { item_id: item.id, output_index: index, content_index: 0, part: outputText('') });
    return { current, events };
  };
  const closeMessage = (status: ItemStatus): string => {
    if (!open) return '';
    const { item, index } = open;
    open = undefined;
    item.status = status;
    const part = item.content[0];
    return (
      event('response.output_text.done', { item_id: item.id, output_index: index, content_index: 0, text: part.text, logprobs: [] }) +
      event('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part }) +
      event('response.output_item.done', { output_index: index, item })
    );
  };

  return {
    start(model) {
      state.model = model;
      return event('response.created', { response: snapshot() }) + event('response.in_progress', { response: snapshot() });
    },
    text(delta) {
      const { current, events } = open ? { current: open, events: '' } : openMessage();
      const { item, index } = current;
      item.content[0].text += delta;
      return `${events}${event('response.output_text.delta', { item_id: item.id, output_index: index, content_index: 0, delta, logprobs: [] })}`;
    },
    toolCall(call) {
      const before = closeMessage('completed');
      const item = callItem(call, parsed.settings.customTools);
      const index = state.output.length;
      state.output.push(item);
      // The engine hands a call on whole, so its arguments (or a custom tool's input) are one delta.
      const body =
        item.type === 'function_call'
          ? event('response.output_item.added', { output_index: index, item: { ...item, arguments: '', status: 'in_progress' } }) +
            event('response.function_call_arguments.delta', { item_id: item.id, output_index: index, delta: item.arguments }) +
            event('response.function_call_arguments.done', { item_id: item.id, output_index: index, name: item.name, arguments: item.arguments })
          : event('response.output_item.added', { output_index: index, item: { ...item, input: '' } }) +
            event('response.custom_tool_call_input.delta', { item_id: item.id, output_index: index, delta: item.input }) +
            event('response.custom_tool_call_input.done', { item_id: item.id, output_index: index, input: item.input });
      return before + body + event('response.output_item.done', { output_index: index, item });
    },
    finish(result) {
      const { status, incompleteReason } = endStatus(result.finishReason);
      const textStatus = status === 'incomplete' ? 'incomplete' : 'completed';
      // An answer with nothing in it is still one empty message, as a non-streamed answer's output is.
      let out = state.output.length === 0 ? openMessage().events : '';
      out += closeMessage(textStatus);
      Object.assign(state, { model: result.model, status, usage: result.usage, incompleteReason });
      return out + event(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: snapshot() });
    },
    fail(err) {
      // The message being written stays unfinished: no done events, only the failed Response that holds it.
      if (open) open.item.status = 'incomplete';
      open = undefined;
      Object.assign(state, { status: 'failed', error: { code: 'server_error', message: err.message, ...(err.attempts ? { attempts: err.attempts } : {}) } });
      return event('response.failed', { response: snapshot() });
    },
  };
}
