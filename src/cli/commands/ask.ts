import { readFile } from 'node:fs/promises';
import type { ChatMessage, ChatRequest, ContentPart } from '../../engine/types';
import { readImageFile, readMessagesFile, readSchemaFile, readToolsFile } from '../chatFiles';
import { UsageError } from '../exitCodes';
import { resultJson, summaryLine } from '../printResult';
import { withEngine, type CliIo, type CommonOptions } from '../session';

export interface AskOptions extends CommonOptions {
  json: boolean;
  stream: boolean;
  noCache: boolean;
  temperature?: number;
  maxTokens?: number;
  system?: string;
  /** A conversation in the OpenAI Chat Completions `messages` format. */
  messagesFile?: string;
  toolsFile?: string;
  schemaFile?: string;
  imageFiles?: string[];
}

export async function runAsk(prompt: string, opts: AskOptions, io: CliIo): Promise<number> {
  const req = await buildAskRequest(prompt, opts);
  return withEngine(opts, io, async (engine) => {
    const printDeltas = opts.stream && !opts.json;
    const result = await engine.chat(req, { signal: io.signal, onText: printDeltas ? (d) => io.stdout.write(d) : undefined, noCache: opts.noCache });
    if (opts.json) {
      io.stdout.write(`${JSON.stringify(resultJson(result), null, 2)}\n`);
    } else {
      if (!printDeltas) io.stdout.write(result.text);
      for (const call of result.toolCalls) io.stdout.write(`${result.text ? '\n' : ''}tool call ${call.name} ${JSON.stringify(call.arguments)} (id ${call.id})`);
      io.stdout.write('\n');
      if ((io.stderr as { isTTY?: boolean }).isTTY) io.stderr.write(`${summaryLine(result)}\n`);
    }
    return 0;
  });
}

/** The request `ask` sends: the --messages conversation (if any), then the prompt, with --image files on the last user turn. */
async function buildAskRequest(prompt: string, opts: AskOptions): Promise<ChatRequest> {
  const conversation = opts.messagesFile ? await readMessagesFile(opts.messagesFile) : { messages: [] };
  const messages: ChatMessage[] = [...conversation.messages];
  if (prompt.trim() !== '') messages.push({ role: 'user', content: prompt });
  if (messages.length === 0) throw new UsageError('ask needs a prompt: llm-router ask --config cfg.json "your question" (or pipe it on stdin with "-", or give --messages FILE)');
  const images = await Promise.all((opts.imageFiles ?? []).map(readImageFile));
  if (images.length > 0) {
    const last = messages[messages.length - 1];
    if (last.role !== 'user') throw new UsageError('--image needs a user message to attach to: give a prompt, or end --messages with a user message');
    const parts: ContentPart[] = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : [...last.content];
    messages[messages.length - 1] = { role: 'user', content: [...parts, ...images] };
  }
  const system = [conversation.system, opts.system].filter((s): s is string => !!s).join('\n\n');
  return {
    ...(system ? { system } : {}),
    messages,
    ...(opts.toolsFile ? { tools: await readToolsFile(opts.toolsFile) } : {}),
    ...(opts.schemaFile ? { responseFormat: await readSchemaFile(opts.schemaFile) } : {}),
    temperature: opts.temperature,
    maxTokens: opts.maxTokens,
    stream: opts.stream,
    purpose: 'ask',
  };
}

/** The prompt from the arguments, or from stdin when it is "-" or absent and stdin is piped. */
export async function readPrompt(positionals: string[], stdin: NodeJS.ReadStream): Promise<string> {
  if (positionals.length === 1 && positionals[0] === '-') return readAll(stdin);
  if (positionals.length === 0 && !stdin.isTTY) return readAll(stdin);
  return positionals.join(' ');
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8');
}

export async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read '${file}': ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}
