export { seededRandom } from '../test/support/seededRandom';

const WORDS = (
  'the a an of to in for on with by from as is are was be this that it its these those which when where how why ' +
  'function method class module file line value type string number array object map set key cache request response ' +
  'error exception retry timeout provider model token stream buffer parser config setting option default returns ' +
  'call calls called use uses using check checks handle handles handling should could would must can may might ' +
  'because however instead therefore also only each every any all both none other first last next previous ' +
  'variable constant parameter argument result output input loop condition branch index length size count total ' +
  'async await promise callback event listener emitter handler queue worker thread process memory heap garbage ' +
  'test tests assertion expected actual fails passes coverage edge case null undefined empty missing invalid ' +
  'performance latency throughput overhead allocation copy clone merge sort filter reduce iterate compare'
).split(' ');

const IDENTS = ['userId', 'items', 'config', 'result', 'response', 'retryCount', 'cacheKey', 'handler', 'buffer', 'options', 'entry', 'total'];
const CALLS = ['fetchUser', 'parseBody', 'computeTotal', 'sendRequest', 'readConfig', 'validateInput', 'formatDate', 'loadCache'];

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}

function sentence(rnd: () => number): string {
  const n = 6 + Math.floor(rnd() * 14);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(rnd() < 0.08 ? `\`${pick(rnd, IDENTS)}\`` : pick(rnd, WORDS));
  const s = words.join(' ');
  return `${s[0].toUpperCase()}${s.slice(1)}${rnd() < 0.1 ? ':' : '.'}`;
}

function codeBlock(rnd: () => number): string {
  const lines = ['```ts'];
  const n = 3 + Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.4) lines.push(`const ${pick(rnd, IDENTS)} = await ${pick(rnd, CALLS)}(${pick(rnd, IDENTS)});`);
    else if (r < 0.7) lines.push(`if (${pick(rnd, IDENTS)} === undefined) return ${Math.floor(rnd() * 100)};`);
    else lines.push(`  ${pick(rnd, IDENTS)}.push(${pick(rnd, CALLS)}(${pick(rnd, IDENTS)}, ${Math.floor(rnd() * 1000)}));`);
  }
  lines.push('```');
  return lines.join('\n');
}

/** A plausible assistant answer of about `targetChars` characters: prose, sometimes a list or code. */
export function answerText(rnd: () => number, targetChars: number): string {
  const parts: string[] = [];
  let size = 0;
  while (size < targetChars) {
    const r = rnd();
    let part: string;
    if (r < 0.15) part = codeBlock(rnd);
    else if (r < 0.3) part = [0, 1, 2].map(() => `- ${sentence(rnd)}`).join('\n');
    else part = [sentence(rnd), sentence(rnd), sentence(rnd)].join(' ');
    parts.push(part);
    size += part.length + 2;
  }
  return parts.join('\n\n').slice(0, targetChars);
}
