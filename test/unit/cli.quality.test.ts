import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../emulator/server';
import { CLI_PATH, runCli } from '../support/runCli';

interface QualityJson {
  provider: string;
  model: string;
  score: number;
  signals: Record<string, number>;
}

describe('CLI: quality ranking across processes (dist/cli.js)', function () {
  this.timeout(20_000);
  let cut: Emulator;
  let full: Emulator;
  let dir: string;
  let configFile: string;

  before(function () {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does).`);
  });

  beforeEach(async () => {
    cut = await startEmulator({ name: 'cut' });
    full = await startEmulator({ name: 'full' });
    dir = await mkdtemp(path.join(tmpdir(), 'llm-router-cli-quality-'));
    configFile = path.join(dir, 'cfg.json');
    const cfg = {
      providers: [
        { id: 'cut', kind: 'openai', baseUrl: cut.baseUrl('openai'), model: 'gpt-4o-mini', apiKeyEnv: 'TEST_PROVIDER_KEY' },
        { id: 'full', kind: 'anthropic', baseUrl: full.baseUrl('anthropic'), model: 'claude-3-5-haiku-latest', apiKeyEnv: 'TEST_PROVIDER_KEY' },
      ],
      routing: { strategy: 'quality' },
      cache: { enabled: false },
    };
    await writeFile(configFile, JSON.stringify(cfg));
  });

  afterEach(async () => {
    await cut.close();
    await full.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli([...args, '--config', configFile, '--state-dir', path.join(dir, 'state')], { env: { TEST_PROVIDER_KEY: 'sk-test' } });

  it('routes the next process away from a provider whose answer stopped at the token limit, and stats prints the ranking', async () => {
    cut.enqueue({ type: 'ok', cutByLength: true });
    const first = await cli('ask', '--json', 'hello');
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual([JSON.parse(first.stdout).provider, JSON.parse(first.stdout).finishReason], ['cut', 'length'], 'both unknown: config order');
    const second = await cli('ask', '--json', 'hello');
    assert.equal(JSON.parse(second.stdout).provider, 'full', 'the ranking saved by the first process routes the second');

    const stats = await cli('stats', '--json');
    assert.equal(stats.code, 0, stats.stderr);
    const { quality } = JSON.parse(stats.stdout) as { quality: QualityJson[] };
    assert.deepEqual(quality.map((q) => [q.provider, q.model]), [['full', 'claude-3-5-haiku-latest'], ['cut', 'gpt-4o-mini']]);
    assert.equal(quality[1].signals.truncated, 1);
    assert.equal(quality[1].signals.answers, 1);
    assert.ok(quality[0].score > 0.5 && quality[1].score < 0.5, JSON.stringify(quality));

    const text = await cli('stats');
    assert.match(text.stdout, /quality ranking \(best first; recent results weigh more\)\n {2}1\. full \(claude-3-5-haiku-latest\) +0\.6\d\d {2}answers 1\n {2}2\. cut \(gpt-4o-mini\) +0\.4\d\d {2}answers 1, flagged 1, truncated 1\n/);
  });

  it('counts an Analyze File answer whose findings do not parse against its provider', async () => {
    const file = path.join(dir, 'example.ts');
    await writeFile(file, 'export const x = 1;\n');
    cut.enqueue({ type: 'ok', reply: 'Looks fine to me!' });
    const analysed = await cli('analyze', file);
    assert.notEqual(analysed.code, 0);
    assert.match(analysed.stderr, /not valid findings JSON/);
    const { quality } = JSON.parse((await cli('stats', '--json')).stdout) as { quality: QualityJson[] };
    const cutRank = quality.find((q) => q.provider === 'cut');
    assert.equal(cutRank?.signals.unparsedFindings, 1);
    assert.equal(quality[quality.length - 1].provider, 'cut');
  });
});
