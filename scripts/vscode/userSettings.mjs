// Edits a VS Code settings.json in place of rewriting it: what the user set (and their comments) stays.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { applyEdits, modify, parse, printParseErrorCode } from 'jsonc-parser';

const FORMAT = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } };

/**
 * Returns the text with each of `defaults` added where the text does not set that key, and each of
 * `updates` written whatever it held; everything else is kept byte for byte. Throws on a syntax error
 * rather than guess at the user's intent.
 */
export function mergeSettingsText(text, { defaults = {}, updates = {} } = {}) {
  let out = text.trim() === '' ? '{}\n' : text;
  const errors = [];
  const current = parse(out, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const line = out.slice(0, errors[0].offset).split('\n').length;
    throw new Error(`${printParseErrorCode(errors[0].error)} on line ${line}`);
  }
  if (current === null || typeof current !== 'object' || Array.isArray(current)) throw new Error('the file does not hold a JSON object');
  for (const [key, value] of Object.entries(defaults)) {
    if (!Object.hasOwn(current, key)) out = applyEdits(out, modify(out, [key], value, FORMAT));
  }
  for (const [key, value] of Object.entries(updates)) out = applyEdits(out, modify(out, [key], value, FORMAT));
  return out;
}

/** The settings the file holds ({} when it is missing or empty). */
export function readSettingsFile(file) {
  if (!existsSync(file)) return {};
  const value = parse(readFileSync(file, 'utf8'), [], { allowTrailingComma: true });
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/** mergeSettingsText on a file; a file that does not parse is left alone and the reason returned. */
export function mergeSettingsFile(file, changes) {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  try {
    const after = mergeSettingsText(before, changes);
    if (after !== before) writeFileSync(file, after);
    return undefined;
  } catch (err) {
    return `${file} was not updated: ${err.message}. Fix it (or delete it) and start again.`;
  }
}
