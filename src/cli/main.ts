import { parseArgs } from 'node:util';
import { AllProvidersFailedError, BudgetExceededError, CancelledError } from '../engine/errors';
import { FindingsFormatError } from '../engine/tasks/analyzeFile';
import { runAnalyze } from './commands/analyze';
import { readPrompt, runAsk } from './commands/ask';
import { runHealth } from './commands/health';
import { runServe } from './commands/serve';
import { runStats } from './commands/stats';
import { EXIT, UsageError } from './exitCodes';
import type { CliIo } from './session';

const USAGE = `Usage: llm-router <command> [options]

Commands:
  ask [options] "prompt"     Ask the best available provider (prompt "-" or piped: read stdin)
  analyze [options] <file>   Review a file; prints findings (line, severity, message)
  health [options]           Probe every provider once, directly
  stats [options]            Show persisted metrics, costs, cache and breaker state
  serve [options]            Run the local OpenAI- and Anthropic-compatible gateway until SIGTERM/Ctrl-C

Options:
  --config <file>            Config file: the llmRouter.* settings without the prefix (default: $LLM_ROUTER_CONFIG,
                             else config.json or config.jsonc in the user's config folder; never the current directory)
  --state-dir <dir>          One folder for cache, metrics, costs and breakers (default: the user's state and cache folders, shared with the editor)
  --json                     Print one JSON object
  --stream                   ask: print the answer as it arrives
  --no-cache                 ask/analyze: neither read nor write the response cache
  --temperature <t>          ask: sampling temperature (0-2)
  --max-tokens <n>           ask: maximum tokens to generate
  --system <text>            ask: system prompt
  --messages <file>          ask: a conversation in the OpenAI Chat Completions messages format (roles system, user,
                             assistant, tool; tool_calls, tool_call_id, image_url parts); the prompt, if any, follows it
  --tools <file>             ask: a JSON array of tools {"name", "description"?, "parameters": JSON Schema}
  --image <file>             ask: attach a PNG, JPEG, GIF or WebP image to the last user message (repeatable)
  --schema <file>            ask: a JSON Schema the answer must match (structured output)
  --window <5m|1h|today|24h> stats: the window for counters and percentiles (default today)
  --host <address>           serve: address to bind (default 127.0.0.1)
  --port <n>                 serve: port (default gateway.port, 8686; 0 picks a free one)
  --token <token>            serve: the token clients must send (default LLM_ROUTER_GATEWAY_TOKEN, else one kept in the state dir)
  -h, --help                 Show this help
  -v, --version              Show the version

Exit codes: 0 ok, 2 bad arguments or config, 3 every provider failed, 4 budget exceeded.
`;

const OPTIONS = {
  config: { type: 'string' },
  'state-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  stream: { type: 'boolean', default: false },
  'no-cache': { type: 'boolean', default: false },
  temperature: { type: 'string' },
  'max-tokens': { type: 'string' },
  system: { type: 'string' },
  messages: { type: 'string' },
  tools: { type: 'string' },
  image: { type: 'string', multiple: true },
  schema: { type: 'string' },
  window: { type: 'string', default: 'today' },
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} as const;

export async function main(argv: string[], io: CliIo, stdin: NodeJS.ReadStream): Promise<number> {
  const wantsJson = argv.includes('--json');
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
    }
    const { values, positionals } = parsed;
    if (values.version) {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    const [command, ...rest] = positionals;
    if (values.help || command === undefined || command === 'help') {
      io.stdout.write(USAGE);
      return command === undefined && !values.help ? EXIT.badInput : EXIT.ok;
    }
    const common = { config: values.config, stateDir: values['state-dir'], json: values.json };
    switch (command) {
      case 'ask':
        return await runAsk(values.messages && rest.length === 0 ? '' : await readPrompt(rest, stdin), {
          ...common,
          stream: values.stream,
          noCache: values['no-cache'],
          temperature: numberOption('--temperature', values.temperature, 0, 2, false),
          maxTokens: numberOption('--max-tokens', values['max-tokens'], 1, 10_000_000, true),
          system: values.system,
          messagesFile: values.messages,
          toolsFile: values.tools,
          schemaFile: values.schema,
          imageFiles: values.image,
        }, io);
      case 'analyze':
        if (rest.length > 1) throw new UsageError('analyze takes one file');
        return await runAnalyze(rest[0], { ...common, noCache: values['no-cache'] }, io);
      case 'health':
        return await runHealth(common, io);
      case 'stats':
        if (!['5m', '1h', 'today', '24h'].includes(values.window)) throw new UsageError(`--window must be one of 5m, 1h, today, 24h (got '${values.window}')`);
        return await runStats({ ...common, window: values.window }, io);
      case 'serve':
        if (rest.length > 0) throw new UsageError('serve takes no arguments');
        return await runServe({ ...common, host: values.host, port: values.port, token: values.token }, io);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    return report(err, wantsJson, io);
  }
}

function numberOption(flag: string, raw: string | undefined, min: number, max: number, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max} (got '${raw}')`);
  }
  return n;
}

function report(err: unknown, json: boolean, io: CliIo): number {
  const emit = (code: number, message: string, extra: Record<string, unknown> = {}) => {
    if (json && code !== EXIT.badInput) io.stdout.write(`${JSON.stringify({ error: message, ...extra }, null, 2)}\n`);
    io.stderr.write(`llm-router: ${message}\n`);
    return code;
  };
  if (err instanceof UsageError) {
    io.stderr.write(`llm-router: ${err.message}\nRun 'llm-router --help' for usage.\n`);
    return EXIT.badInput;
  }
  if (err instanceof AllProvidersFailedError) {
    const attempts = err.attempts.map((a) => ({ ...a, latencyMs: Math.round(a.latencyMs * 10) / 10 }));
    return emit(EXIT.allProvidersFailed, err.message, { attempts, ...(err.partialText ? { partialText: err.partialText } : {}) });
  }
  if (err instanceof BudgetExceededError) {
    return emit(EXIT.budgetExceeded, err.message, { budget: err.budget, limitUsd: err.limitUsd, remainingUsd: err.remainingUsd });
  }
  if (err instanceof FindingsFormatError) return emit(EXIT.allProvidersFailed, err.message, { attempts: [] });
  if (err instanceof CancelledError) return emit(EXIT.interrupted, 'cancelled');
  return emit(EXIT.failure, `internal error: ${err instanceof Error ? err.message : String(err)}`);
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';

if (require.main === module) {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, signal: controller.signal };
  main(process.argv.slice(2), io, process.stdin).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`llm-router: ${String(err)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
