import { readFile } from 'node:fs/promises';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parseConfig, type ParsedConfig } from '../engine/config/loadConfig';
import { ConfigError } from '../engine/errors';
import { UsageError } from './exitCodes';

/** Reads a JSON (or settings.json-style JSONC) config file; every problem becomes a UsageError naming the field. */
export async function readConfigFile(file: string): Promise<ParsedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot read config file '${file}': ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const errors: ParseError[] = [];
  const raw: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const e = errors[0];
    const { line, col } = position(text, e.offset);
    throw new UsageError(`Config file '${file}' is not valid JSON: ${printParseErrorCode(e.error)} at line ${line}, column ${col}`);
  }
  try {
    return parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`Invalid config '${file}':\n${err.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    throw err;
  }
}

function position(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}
