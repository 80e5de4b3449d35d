import type { ProviderEndpoint } from './adapter';
import { isRecord, malformedResponse } from './wireText';

/** Arguments as sent on the wire (a JSON text) → the object the neutral model carries; empty means none. */
export function parseToolArguments(text: string, ep: ProviderEndpoint, name: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformedResponse(ep, `arguments of tool call '${name}' that are not valid JSON`);
  }
  if (!isRecord(value)) throw malformedResponse(ep, `arguments of tool call '${name}' that are not a JSON object`);
  return value;
}

