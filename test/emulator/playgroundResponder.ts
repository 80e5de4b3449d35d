// Answers the extension's own prompts (Suggest Code, Analyze File, inline completions, the health
// probe) the way a good model would for the sample workspace, so the playground works without keys.

type Language = 'typescript' | 'python';

/** The emulator's replyFn for one simulated provider. */
export function playgroundResponder(providerName: string): (prompt: string) => string {
  return (prompt) => {
    if (prompt.trim() === 'ping') return 'pong';
    // Suggest Code asks for "Code to improve", a finding's quick fix for "Code to fix".
    if (/^Code to (?:improve|fix):$/m.test(prompt)) return answerSuggest(prompt);
    if (prompt.includes('meticulous code reviewer')) return answerAnalyze(prompt);
    if (prompt.includes('<CURSOR>')) return answerInline(prompt);
    return (
      `This answer comes from ${providerName}, a simulated provider of the LLM Router playground. ` +
      'It knows how to answer Suggest Code, Analyze File and inline completions. ' +
      'Add a real provider with "LLM Router: Add Provider".'
    );
  };
}

function languageOf(prompt: string): Language {
  const declared = /^File: .*\((\w+)\)/m.exec(prompt)?.[1] ?? '';
  return declared === 'python' || /^File: .*\.py\b/m.test(prompt) ? 'python' : 'typescript';
}

// ---- Suggest Code -------------------------------------------------------------------------------

/** Improved versions of the sample functions, written at column 0. */
const IMPROVED: Record<string, { language: Language; code: string }> = {
  average: {
    language: 'typescript',
    code: `export function average(values: number[]): number {
  if (values.length === 0) return 0;
  let total = 0;
  for (const value of values) {
    total += value;
  }
  return total / values.length;
}`,
  },
  largest: {
    language: 'typescript',
    code: `export function largest(values: number[]): number | undefined {
  return values.reduce<number | undefined>((best, value) => (best === undefined || value > best ? value : best), undefined);
}`,
  },
  countWords: {
    language: 'typescript',
    code: `export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\\s+/).length;
}`,
  },
  slugify: {
    language: 'python',
    code: `def slugify(title):
    """Turns "Hello, World!" into "hello-world"."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words)`,
  },
  add_tag: {
    language: 'python',
    code: `def add_tag(tag, tags=None):
    """Returns the tags with \`tag\` added, without duplicates."""
    tags = list(tags or [])
    if tag not in tags:
        tags.append(tag)
    return tags`,
  },
};

function answerSuggest(prompt: string): string {
  const block = /Code to (?:improve|fix):\n(`{3,})([^\n]*)\n([\s\S]*?)\n\1(?:\n|$)/.exec(prompt);
  if (!block) return '```\n```';
  const [, , info, code] = block;
  const language = languageOf(prompt);
  const improved = replaceKnownFunctions(code, language);
  const answer = improved === code ? genericRewrite(lineFixes(code, language), language) : improved;
  return `\`\`\`${info}\n${answer}\n\`\`\``;
}

/** Swaps every sample function defined in the code for its improved version, keeping the code around it. */
function replaceKnownFunctions(code: string, language: Language): string {
  const lines = code.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const name = definedName(lines[i], language);
    const improved = name !== undefined ? IMPROVED[name] : undefined;
    if (!improved || improved.language !== language) continue;
    const end = language === 'python' ? pythonBlockEnd(lines, i) : braceBlockEnd(lines, i);
    if (end === undefined) continue;
    const indent = /^\s*/.exec(lines[i])?.[0] ?? '';
    const exported = /^\s*export\s/.test(lines[i]);
    let replacement = improved.code;
    if (!exported) replacement = replacement.replace(/^export /, '');
    const replacementLines = replacement.split('\n').map((l) => (l === '' ? l : indent + l));
    lines.splice(i, end - i + 1, ...replacementLines);
    i += replacementLines.length - 1;
  }
  return lines.join('\n');
}

function definedName(line: string, language: Language): string | undefined {
  const pattern = language === 'python' ? /^\s*def\s+(\w+)\s*\(/ : /^\s*(?:export\s+)?(?:async\s+)?function\s+(\w+)\s*[(<]/;
  return pattern.exec(line)?.[1];
}

/** The line holding the brace that closes the block opened on line `start`. */
function braceBlockEnd(lines: string[], start: number): number | undefined {
  let depth = 0;
  let opened = false;
  for (let i = start; i < lines.length; i++) {
    for (const c of lines[i]) {
      if (c === '{') {
        depth++;
        opened = true;
      } else if (c === '}') depth--;
    }
    if (opened && depth <= 0) return i;
  }
  return undefined;
}

/** The last line of the indented block that follows the `def` on line `start`. */
function pythonBlockEnd(lines: string[], start: number): number {
  const indent = (/^\s*/.exec(lines[start])?.[0] ?? '').length;
  let end = start;
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    if ((/^\s*/.exec(lines[i])?.[0] ?? '').length <= indent) break;
    end = i;
  }
  return end;
}

/** The fixes of the sample's findings that fit on their own line (what a finding's quick fix sends). */
const LINE_FIXES: { languages: Language[]; pattern: RegExp; replacement: string }[] = [
  // The division by an empty list's length.
  { languages: ['typescript'], pattern: /return\s+([\w.]+)\s*\/\s*(\w+)\.length;/, replacement: 'return $2.length === 0 ? 0 : $1 / $2.length;' },
  // Counting words by splitting on one space.
  { languages: ['typescript'], pattern: /return\s+(\w+)\.split\(\s*(['"]) \2\s*\)\.length;/, replacement: "return $1.trim() === '' ? 0 : $1.trim().split(/\\s+/).length;" },
  // Matching lowercase letters in a title that was not lowercased.
  { languages: ['python'], pattern: /re\.findall\((\s*r?(["'])\[a-z0-9\]\+\2\s*,\s*)(\w+)\s*\)/, replacement: 're.findall($1$3.lower())' },
];

function lineFixes(code: string, language: Language): string {
  return LINE_FIXES.filter((f) => f.languages.includes(language)).reduce((text, f) => text.replace(new RegExp(f.pattern, 'g'), f.replacement), code);
}

/** Small, safe fixes for code the playground has no improved version of; unchanged when none applies. */
function genericRewrite(code: string, language: Language): string {
  if (language === 'python') {
    return code
      .replace(/([!=])= None\b/g, (_, op: string) => (op === '!' ? 'is not None' : 'is None'))
      .replace(/^(\s*)except\s*:/gm, '$1except Exception:');
  }
  return code
    .replace(/(\w+)\s*<=\s*([\w.]+)\.length/g, '$1 < $2.length')
    .replace(/\bvar\s+/g, 'let ')
    .replace(/([^=!<>])==([^=])/g, '$1===$2')
    .replace(/!=([^=])/g, '!==$1')
    .replace(/\.split\((['"]) \1\)/g, '.split(/\\s+/)');
}

// ---- Analyze File -------------------------------------------------------------------------------

interface Finding {
  line: number;
  endLine?: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

interface Rule {
  languages: Language[];
  pattern: RegExp;
  severity: Finding['severity'];
  message: (m: RegExpExecArray) => string;
  /** Skip the line when an earlier line of the file (within 10) matches this, built from the match. */
  guardedBy?: (m: RegExpExecArray) => RegExp;
  /** The finding covers the whole block the line opens, so its quick fix is sent all of it. */
  wholeBlock?: true;
}

const RULES: Rule[] = [
  {
    languages: ['typescript'],
    pattern: /for\s*\(\s*(?:let|var)\s+(\w+)\s*=\s*0\s*;\s*\1\s*<=\s*([\w.]+)\.length/,
    severity: 'error',
    message: (m) => `The loop runs while ${m[1]} <= ${m[2]}.length, so its last pass reads ${m[2]}[${m[2]}.length], one past the end (undefined), and the sum becomes NaN. Use < instead of <=.`,
  },
  {
    languages: ['typescript'],
    pattern: /return\s+[\w.]+\s*\/\s*([\w.]+)\.length/,
    severity: 'warning',
    message: (m) => `Divides by ${m[1]}.length, which is 0 for an empty list, so the result is NaN instead of a number. Return early when ${m[1]} is empty.`,
    guardedBy: (m) => new RegExp(`${escape(m[1])}\\.length\\s*===?\\s*0|!${escape(m[1])}\\.length`),
  },
  {
    languages: ['typescript'],
    pattern: /(\w+)\.split\(\s*(['"]) \2\s*\)/,
    severity: 'warning',
    message: (m) => `Splitting ${m[1]} on a single space counts the empty strings between repeated spaces, and "".split(" ") has length 1, so an empty text counts as one word. Trim it and split on /\\s+/.`,
  },
  {
    languages: ['typescript'],
    pattern: /\bconsole\.log\(/,
    severity: 'info',
    message: () => 'Debug output left in library code; remove it or use a logger.',
  },
  {
    languages: ['typescript'],
    pattern: /:\s*any\b/,
    severity: 'info',
    message: () => '`any` turns off type checking here; give it a real type.',
  },
  {
    languages: ['python'],
    pattern: /re\.findall\(\s*r?(["'])\[a-z0-9\]\+\1\s*,\s*(\w+)\s*\)/,
    severity: 'error',
    message: (m) => `The pattern [a-z0-9]+ only matches lowercase letters and ${m[2]} is not lowercased first, so "Hello, World!" becomes "ello-orld". Match against ${m[2]}.lower().`,
  },
  {
    languages: ['python'],
    pattern: /def\s+\w+\(.*?(\w+)\s*=\s*(\[\]|\{\}|set\(\))/,
    severity: 'warning',
    message: (m) => `The default ${m[1]}=${m[2]} is created once and shared by every call, so values added in one call show up in the next. Default to None and build a new one inside.`,
    wholeBlock: true,
  },
  {
    languages: ['python'],
    pattern: /^\s*except\s*:/,
    severity: 'warning',
    message: () => 'A bare except also catches KeyboardInterrupt and SystemExit; catch the exceptions you expect.',
  },
  {
    languages: ['python'],
    pattern: /[!=]=\s*None\b/,
    severity: 'info',
    message: () => 'Compare with None using `is` / `is not`.',
  },
];

function answerAnalyze(prompt: string): string {
  const language = languageOf(prompt);
  const lines = [...prompt.matchAll(/^(\d+): (.*)$/gm)].map((m) => ({ number: Number(m[1]), text: m[2] }));
  const findings: Finding[] = [];
  lines.forEach(({ number, text }, index) => {
    for (const rule of RULES) {
      if (!rule.languages.includes(language)) continue;
      const match = rule.pattern.exec(text);
      if (!match) continue;
      const guard = rule.guardedBy?.(match);
      if (guard && lines.slice(Math.max(0, index - 10), index).some((l) => guard.test(l.text))) continue;
      const end = rule.wholeBlock ? lines[pythonBlockEnd(lines.map((l) => l.text), index)].number : number;
      findings.push({ line: number, ...(end !== number && { endLine: end }), severity: rule.severity, message: rule.message(match) });
    }
  });
  return JSON.stringify({ findings });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- Inline completions -------------------------------------------------------------------------

interface Completion {
  pattern: RegExp;
  text: (param: string, prefix: string) => string;
}

const TYPESCRIPT_COMPLETIONS: Completion[] = [
  { pattern: /^\s*(?:export\s+)?function $/, text: () => 'median(values: number[]): number | undefined {\n  if (values.length === 0) return undefined;\n  const sorted = [...values].sort((a, b) => a - b);\n  const middle = Math.floor(sorted.length / 2);\n  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;\n}' },
  { pattern: /^\s*if \($/, text: (p) => `${p}.length === 0) return 0;` },
  { pattern: /^\s*for \($/, text: (p) => `const item of ${p}) {` },
  { pattern: /^\s*return $/, text: (p, prefix) => `${/let (\w+) = 0/.exec(prefix)?.[1] ?? p};` },
  { pattern: /(\w+)\.$/, text: () => 'length' },
  { pattern: /\/\/ ?$/, text: (p) => ` TODO: handle an empty ${p}` },
];

const PYTHON_COMPLETIONS: Completion[] = [
  { pattern: /^def $/, text: () => 'title_case(text):\n    """Turns "hello world" into "Hello World"."""\n    return " ".join(word.capitalize() for word in text.split())' },
  { pattern: /^\s*if $/, text: (p) => `not ${p}:` },
  { pattern: /^\s*for $/, text: (p) => `item in ${p}:` },
  { pattern: /^\s*return $/, text: (p) => p },
  { pattern: /# ?$/, text: (p) => ` TODO: handle an empty ${p}` },
];

function answerInline(prompt: string): string {
  const body = prompt.slice(prompt.indexOf('\n\n', prompt.lastIndexOf('File: ')) + 2);
  const prefix = body.slice(0, body.indexOf('<CURSOR>'));
  const linePrefix = prefix.slice(prefix.lastIndexOf('\n') + 1);
  const language = languageOf(prompt);
  const params = [...prefix.matchAll(language === 'python' ? /def\s+\w+\s*\(\s*(\w+)/g : /function\s+\w+\s*\(\s*(\w+)/g)];
  const param = params.at(-1)?.[1] ?? (language === 'python' ? 'items' : 'values');
  const table = language === 'python' ? PYTHON_COMPLETIONS : TYPESCRIPT_COMPLETIONS;
  const hit = table.find((c) => c.pattern.test(linePrefix));
  return hit ? hit.text(param, prefix) : '';
}
