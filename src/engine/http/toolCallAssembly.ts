import { randomBytes } from 'node:crypto';
import type { ProviderEndpoint } from '../providers/adapter';
import { parseToolArguments } from '../providers/toolArguments';
import { malformedResponse } from '../providers/wireText';
import type { ToolCall } from '../types';

interface PendingCall {
  id?: string;
  name?: string;
  args: string;
}

/**
 * Joins streamed tool-call pieces by index. A call leaves here only whole, with arguments that parse as a
 * JSON object, so a stream that breaks inside a call has handed nothing of it to the caller.
 */
export class ToolCallAssembly {
  private readonly pending = new Map<number, PendingCall>();

  constructor(private readonly ep: ProviderEndpoint) {}

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  add(index: number, piece: { id?: string; name?: string; arguments?: string }): void {
    const call = this.pending.get(index) ?? { args: '' };
    if (piece.id) call.id = piece.id;
    if (piece.name) call.name = (call.name ?? '') === '' ? piece.name : call.name;
    if (piece.arguments) call.args += piece.arguments;
    this.pending.set(index, call);
  }

  /** The call at `index` when one is pending there (Anthropic also ends text blocks, which are not calls). */
  complete(index: number): ToolCall | undefined {
    const call = this.pending.get(index);
    if (!call) return undefined;
    this.pending.delete(index);
    return finishCall(call, this.ep);
  }

  /** Every pending call, in index order (OpenAI ends them all with its finish_reason). */
  completeAll(): ToolCall[] {
    const indexes = [...this.pending.keys()].sort((a, b) => a - b);
    return indexes.map((i) => this.complete(i)).filter((c): c is ToolCall => c !== undefined);
  }
}

function finishCall(call: PendingCall, ep: ProviderEndpoint): ToolCall {
  if (!call.name) throw malformedResponse(ep, 'a tool call without a name');
  return { id: call.id || generatedCallId(), name: call.name, arguments: parseToolArguments(call.args, ep, call.name) };
}

/** For providers that give calls no id (Gemini, Ollama): unique, and kept with the answer (cache replays it). */
export function generatedCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}
