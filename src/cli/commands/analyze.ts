import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { buildAnalyzeRequest, FindingsFormatError, parseFindings } from '../../engine/tasks/analyzeFile';
import { UsageError } from '../exitCodes';
import { resultJson } from '../printResult';
import { withEngine, type CliIo, type CommonOptions } from '../session';
import { readTextFile } from './ask';

export interface AnalyzeOptions extends CommonOptions {
  json: boolean;
  noCache: boolean;
}

export async function runAnalyze(file: string | undefined, opts: AnalyzeOptions, io: CliIo): Promise<number> {
  if (!file) throw new UsageError('analyze needs a file: llm-router analyze --config cfg.json path/to/file.ts');
  const content = await readTextFile(file);
  let request;
  try {
    request = buildAnalyzeRequest(path.basename(file), content, languageOf(file));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return withEngine(opts, io, async (engine) => {
    const tag = await engine.invalidateFileCache(path.resolve(file), createHash('sha256').update(content).digest('hex'));
    const result = await engine.chat(request, { signal: io.signal, noCache: opts.noCache, cacheTags: [tag] });
    let findings;
    try {
      findings = parseFindings(result.text, content.split(/\r?\n/).length);
    } catch (err) {
      if (err instanceof FindingsFormatError) engine.recordVerdict({ provider: result.provider, model: result.model, verdict: 'unparsedFindings' });
      throw err;
    }
    if (opts.json) {
      const { text: _text, ...meta } = resultJson(result);
      io.stdout.write(`${JSON.stringify({ file, findings, ...meta }, null, 2)}\n`);
    } else if (findings.length === 0) {
      io.stdout.write(`${file}: no findings (${result.provider})\n`);
    } else {
      for (const f of findings) io.stdout.write(`${file}:${f.line}: ${f.severity}: ${f.message}\n`);
    }
    return 0;
  });
}

const LANGUAGES: Record<string, string> = {
  '.ts': 'typescript', '.tsx': 'typescriptreact', '.js': 'javascript', '.jsx': 'javascriptreact', '.mjs': 'javascript', '.cjs': 'javascript',
  '.py': 'python', '.go': 'go', '.rs': 'rust', '.java': 'java', '.kt': 'kotlin', '.c': 'c', '.h': 'c', '.cpp': 'cpp', '.cc': 'cpp',
  '.cs': 'csharp', '.rb': 'ruby', '.php': 'php', '.swift': 'swift', '.sh': 'shellscript', '.sql': 'sql', '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml',
};

function languageOf(file: string): string | undefined {
  return LANGUAGES[path.extname(file).toLowerCase()];
}
