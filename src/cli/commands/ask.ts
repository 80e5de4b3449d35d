import { readFile } from 'node:fs/promises';
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
}

export async function runAsk(prompt: string, opts: AskOptions, io: CliIo): Promise<number> {
  if (prompt.trim() === '') throw new UsageError('ask needs a prompt: llm-router ask --config cfg.json "your question" (or pipe it on stdin with "-")');
  return withEngine(opts, io, async (engine) => {
    const printDeltas = opts.stream && !opts.json;
    const result = await engine.chat(
      {
        system: opts.system,
        messages: [{ role: 'user', content: prompt }],
        temperature: opts.temperature,
        maxTokens: opts.maxTokens,
        stream: opts.stream,
        purpose: 'ask',
      },
      { signal: io.signal, onText: printDeltas ? (d) => io.stdout.write(d) : undefined, noCache: opts.noCache },
    );
    if (opts.json) {
      io.stdout.write(`${JSON.stringify(resultJson(result), null, 2)}\n`);
    } else {
      if (!printDeltas) io.stdout.write(result.text);
      io.stdout.write('\n');
      if ((io.stderr as { isTTY?: boolean }).isTTY) io.stderr.write(`${summaryLine(result)}\n`);
    }
    return 0;
  });
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
