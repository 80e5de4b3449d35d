import { z } from 'zod';
import type { ChatRequest } from '../types';

const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  /** 1-based line in the analysed file. */
  line: number;
  /** 1-based last line the finding covers, when the model gave one. */
  endLine?: number;
  severity: Severity;
  message: string;
}

const MAX_FILE_CHARS = 200_000;

const SYSTEM_PROMPT = [
  'You are a meticulous code reviewer. Find real problems in the file: bugs, security issues, error handling gaps, performance traps, confusing code.',
  'Answer with JSON only, no prose and no code fences, exactly of this shape:',
  '{"findings":[{"line":<1-based line number>,"endLine":<optional last line>,"severity":"error"|"warning"|"info","message":"<one or two sentences>"}]}',
  'Use the line numbers shown at the start of each line. Return {"findings":[]} when there is nothing worth reporting.',
].join('\n');

/**
 * The findings as a JSON Schema, asked for as structured output where the provider has it. Objects are left open:
 * Gemini's responseSchema rejects additionalProperties, and the Anthropic adapter closes them as Anthropic requires.
 */
export const FINDINGS_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    findings: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          line: { type: 'integer', description: '1-based line number, as shown at the start of the line' },
          endLine: { type: 'integer', description: 'last line the finding covers, when it spans several' },
          severity: { type: 'string', enum: [...SEVERITIES] },
          message: { type: 'string', description: 'one or two sentences' },
        },
        required: ['line', 'severity', 'message'],
      },
    },
  },
  required: ['findings'],
};

/** The request that asks a model for structured findings about one file: structured output where served, else JSON text. */
export function buildAnalyzeRequest(filePath: string, content: string, languageId?: string): ChatRequest {
  if (content.length > MAX_FILE_CHARS) {
    throw new RangeError(`The file is too large to analyse (${content.length} characters; the limit is ${MAX_FILE_CHARS}).`);
  }
  const numbered = content
    .split(/\r?\n/)
    .map((line, i) => `${i + 1}: ${line}`)
    .join('\n');
  return {
    system: SYSTEM_PROMPT,
    messages: [{ role: 'user', content: `File: ${filePath}${languageId ? ` (${languageId})` : ''}\n\n${numbered}` }],
    temperature: 0,
    // A preference: providers without structured output get the same prompt, and parseFindings reads their text.
    responseFormat: { type: 'json_schema', name: 'findings', schema: FINDINGS_SCHEMA, fallbackToText: true },
    purpose: 'analyze',
  };
}

const severitySchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(
    z.enum(['error', 'warning', 'info', 'information', 'hint', 'note', 'critical', 'high', 'medium', 'low']).transform((s): Severity => {
      if (s === 'critical' || s === 'high' || s === 'error') return 'error';
      if (s === 'medium' || s === 'warning') return 'warning';
      return 'info';
    }),
  );

const findingSchema = z.object({
  line: z.coerce.number().int(),
  endLine: z.coerce.number().int().optional(),
  severity: severitySchema,
  message: z.string().min(1),
});

const answerSchema = z.union([z.object({ findings: z.array(findingSchema) }), z.array(findingSchema).transform((findings) => ({ findings }))]);

/** The model's answer was not the structured findings we asked for. */
export class FindingsFormatError extends Error {
  constructor(detail: string) {
    super(`The model's analysis was not valid findings JSON: ${detail}`);
    this.name = 'FindingsFormatError';
  }
}

/** Validates a model's answer; tolerates code fences and prose around the JSON, clamps lines into the file. */
export function parseFindings(answer: string, lineCount: number): Finding[] {
  const json = extractJson(answer);
  if (json === undefined) throw new FindingsFormatError('no JSON object found in the answer');
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) throw new FindingsFormatError(parsed.error.issues[0]?.message ?? 'unexpected shape');
  const last = Math.max(1, lineCount);
  const clamp = (n: number) => Math.min(last, Math.max(1, n));
  return parsed.data.findings
    .map((f) => {
      const line = clamp(f.line);
      const endLine = f.endLine === undefined ? undefined : Math.max(line, clamp(f.endLine));
      return { line, ...(endLine !== undefined && endLine !== line ? { endLine } : {}), severity: f.severity, message: f.message.trim() };
    })
    .sort((a, b) => a.line - b.line);
}

function extractJson(answer: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(answer);
  const candidates = [answer.trim(), fenced?.[1]?.trim(), sliceBetween(answer, '{', '}'), sliceBetween(answer, '[', ']')];
  for (const c of candidates) {
    if (!c) continue;
    try {
      return JSON.parse(c);
    } catch {
      // try the next way of finding it
    }
  }
  return undefined;
}

function sliceBetween(s: string, open: string, close: string): string | undefined {
  const start = s.indexOf(open);
  const end = s.lastIndexOf(close);
  return start !== -1 && end > start ? s.slice(start, end + 1) : undefined;
}
