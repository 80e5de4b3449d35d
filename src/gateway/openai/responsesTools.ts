import { z } from 'zod';
import { ChatInputError } from '../../engine/chatInput/chatInputError';
import { jsonSchemaObject } from '../../engine/chatInput/jsonSchema';
import { refuseDuplicateNames, toolName } from '../../engine/chatInput/openaiMessages';
import type { ToolChoice, ToolDefinition } from '../../engine/types';
import { parseOrRefuse } from '../fieldPath';
import { invalidField } from '../gatewayError';

/**
 * The Responses API `tools` → engine tools, as the openai npm client 6.30.1 types them (Tool, FunctionTool,
 * CustomTool, CustomToolInputFormat; read 2026-12-04).
 * - `function` tools pass through.
 * - `custom` tools (free-form text input, e.g. Codex's apply_patch) become functions taking one string, `input`;
 *   a grammar the input must match is written into the description, since no other provider constrains decoding.
 * - Tools OpenAI's servers run themselves (web search, file search, code interpreter, …) exist on no other
 *   provider: they are left out, named in the answer's `x-llm-router-dropped-tools`, and the model answers without them.
 * - Tools the client runs in a format only OpenAI's models produce (shell, local_shell, apply_patch, computer) are refused.
 */

const HOSTED_TOOLS = new Set([
  'web_search',
  'web_search_2025_08_26',
  'web_search_preview',
  'web_search_preview_2025_03_11',
  'file_search',
  'code_interpreter',
  'image_generation',
  'mcp',
  'tool_search',
]);

const functionTool = z.object({
  type: z.literal('function'),
  name: toolName,
  description: z.string({ error: 'must be a string' }).nullish(),
  parameters: jsonSchemaObject.nullish(),
  strict: z.boolean({ error: 'must be true or false' }).nullish(),
});

const customFormat = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('text') }),
    z.object({ type: z.literal('grammar'), syntax: z.enum(['lark', 'regex'], { error: "must be 'lark' or 'regex'" }), definition: z.string({ error: 'must be a string' }) }),
  ],
  { error: "must have a type of 'text' or 'grammar'" },
);

const customTool = z.object({
  type: z.literal('custom'),
  name: toolName,
  description: z.string({ error: 'must be a string' }).nullish(),
  format: customFormat.nullish(),
});

type FunctionTool = z.output<typeof functionTool>;
type CustomTool = z.output<typeof customTool>;

/** A served tool as a Response echoes it back. */
export type EchoedTool =
  | { type: 'function'; name: string; description: string | null; parameters: Record<string, unknown> | null; strict: boolean | null }
  | { type: 'custom'; name: string; description: string | null; format: CustomTool['format'] | { type: 'text' } };

export interface ResponsesTools {
  tools: ToolDefinition[];
  echoed: EchoedTool[];
  /** Names of custom tools: their calls answer as custom_tool_call items with the `input` text. */
  customNames: ReadonlySet<string>;
  /** Types of the hosted tools left out, in request order. */
  dropped: string[];
}

/** What the answer to a function without parameters is called with. */
const NO_PARAMETERS = { type: 'object', properties: {} };

/** The one argument a custom tool's call carries. */
export const CUSTOM_INPUT = 'input';

export function parseResponsesTools(raw: readonly unknown[]): ResponsesTools {
  const out: ResponsesTools & { customNames: Set<string> } = { tools: [], echoed: [], customNames: new Set(), dropped: [] };
  const names: string[] = [];
  raw.forEach((tool, i) => {
    const type = typeof tool === 'object' && tool !== null ? (tool as { type?: unknown }).type : undefined;
    if (type === 'function') {
      const t = parseOrRefuse(functionTool, tool, ['tools', i]);
      names.push(t.name);
      out.tools.push(functionDefinition(t));
      out.echoed.push({ type: 'function', name: t.name, description: t.description ?? null, parameters: t.parameters ?? null, strict: t.strict ?? null });
    } else if (type === 'custom') {
      const t = parseOrRefuse(customTool, tool, ['tools', i]);
      names.push(t.name);
      out.customNames.add(t.name);
      out.tools.push(customDefinition(t));
      out.echoed.push({ type: 'custom', name: t.name, description: t.description ?? null, format: t.format ?? { type: 'text' } });
    } else if (typeof type === 'string' && HOSTED_TOOLS.has(type)) {
      out.dropped.push(type);
    } else {
      throw invalidField(
        `tools[${i}].type`,
        typeof type === 'string'
          ? `'${type}' tools are run by the client in a format only OpenAI's models produce, and are not served: offer it as a function tool`
          : "must be 'function' or 'custom' (hosted tools such as web_search are left out)",
      );
    }
  });
  refuseDuplicateNames(names, (i) => `tools[${i}].name`);
  return out;
}

function functionDefinition(t: FunctionTool): ToolDefinition {
  return { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters ?? NO_PARAMETERS };
}

function customDefinition(t: CustomTool): ToolDefinition {
  const grammar = t.format?.type === 'grammar' ? `The ${CUSTOM_INPUT} must match this ${t.format.syntax} grammar:\n${t.format.definition}` : undefined;
  const description = [t.description ?? '', grammar ?? ''].filter((s) => s !== '').join('\n\n');
  return {
    name: t.name,
    ...(description ? { description } : {}),
    parameters: {
      type: 'object',
      properties: { [CUSTOM_INPUT]: { type: 'string', description: 'The whole input for this tool, as plain text.' } },
      required: [CUSTOM_INPUT],
      additionalProperties: false,
    },
  };
}

export const responsesToolChoice = z.union(
  [
    z.enum(['auto', 'none', 'required']),
    z.object({ type: z.enum(['function', 'custom'], { error: "must be 'function' or 'custom' (other tool choices are not served)" }), name: z.string({ error: 'is required: the tool to call' }) }),
  ],
  { error: `must be 'auto', 'none', 'required' or {"type": "function" | "custom", "name"}` },
);

/** A named tool must be one of `tools`, of the type named, and `required` needs some. */
export function toToolChoice(choice: z.output<typeof responsesToolChoice>, tools: ResponsesTools): ToolChoice {
  if (typeof choice === 'string') {
    if (choice === 'required' && tools.tools.length === 0) throw new ChatInputError('tool_choice', "is 'required' but the request defines no tools");
    return choice;
  }
  const tool = tools.echoed.find((t) => t.name === choice.name);
  if (!tool) throw new ChatInputError('tool_choice.name', `'${choice.name}' is not one of the request's tools`);
  if (tool.type !== choice.type) throw new ChatInputError('tool_choice.type', `'${choice.name}' is a ${tool.type} tool`);
  return { name: choice.name };
}
