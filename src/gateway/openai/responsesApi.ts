import type { ChatResult } from '../../engine/types';
import type { ChatDialect } from '../chatDialect';
import { openaiErrorBody } from './openaiError';
import { endStatus, outputItems, responseId, responseObject } from './responseObject';
import { parseResponsesRequest, type ParsedResponse } from './responsesRequest';
import { responsesStream } from './responsesStream';

function completion(result: ChatResult, parsed: ParsedResponse): unknown {
  const { status, incompleteReason } = endStatus(result.finishReason);
  const output = outputItems(result, status === 'incomplete' ? 'incomplete' : 'completed', parsed.settings.customTools);
  return responseObject({ id: responseId(), createdAt: Math.floor(Date.now() / 1000), model: result.model, status, output, usage: result.usage, incompleteReason }, parsed.settings);
}

/** OpenAI Responses (`POST /v1/responses`), stateless: every request carries its whole conversation. */
export const openaiResponses: ChatDialect<ParsedResponse> = {
  parseChat: parseResponsesRequest,
  completion,
  stream: responsesStream,
  errorBody: openaiErrorBody,
  toolCallId: (id) => id,
};
