import { z } from 'zod';
import type { ChatRequest, FinishReason, ToolCall } from '../types';
import type { QualitySignal } from './qualitySignals';

export interface CheckedAnswer {
  text: string;
  toolCalls: readonly ToolCall[];
  finishReason: FinishReason;
}

/** What is wrong with a complete answer, as far as the request lets the engine tell; empty when nothing is. */
export function answerProblems(req: ChatRequest, answer: CheckedAnswer): QualitySignal[] {
  const problems: QualitySignal[] = [];
  if (answer.finishReason === 'length') problems.push('truncated');
  if (answer.text.trim() === '' && answer.toolCalls.length === 0) problems.push('empty');
  // A request that takes text instead (fallbackToText, as Analyze File's) may not have sent the schema: its caller judges the text.
  else if (req.responseFormat?.type === 'json_schema' && !req.responseFormat.fallbackToText && !matchesJsonText(answer.text, req.responseFormat.schema)) problems.push('schemaFailed');
  if (answer.toolCalls.some((call) => !callMatchesTool(call, req))) problems.push('toolArgsFailed');
  return problems;
}

function matchesJsonText(text: string, schema: Record<string, unknown>): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  return matches(value, schema);
}

function callMatchesTool(call: ToolCall, req: ChatRequest): boolean {
  const tool = req.tools?.find((t) => t.name === call.name);
  return tool !== undefined && matches(call.arguments, tool.parameters);
}

const MAX_COMPILED = 64;
/** Requests repeat their schemas (an editor task's, a tool set's): each is compiled once, keyed by its JSON. */
const compiled = new Map<string, z.ZodType | null>();

/** Whether `value` satisfies the JSON Schema; a schema zod cannot express is not held against the answer. */
function matches(value: unknown, schema: Record<string, unknown>): boolean {
  const validator = validatorFor(schema);
  return validator === null || validator.safeParse(value).success;
}

/** The same schema object again (a caller's constant tool set or task schema) skips even the JSON key. */
const compiledByObject = new WeakMap<Record<string, unknown>, z.ZodType | null>();

function validatorFor(schema: Record<string, unknown>): z.ZodType | null {
  const known = compiledByObject.get(schema);
  if (known !== undefined) return known;
  const validator = validatorForJson(schema);
  compiledByObject.set(schema, validator);
  return validator;
}

function validatorForJson(schema: Record<string, unknown>): z.ZodType | null {
  const key = JSON.stringify(schema);
  let validator = compiled.get(key);
  if (validator === undefined) {
    try {
      validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch {
      validator = null;
    }
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, validator);
  }
  return validator;
}
