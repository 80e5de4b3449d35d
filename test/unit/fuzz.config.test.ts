import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { ConfigError } from '../../src/engine/errors';
import { FIELD_BREAKS, STRUCTURE_BREAKS, isAtOrUnder, pathText, setAt, validConfig, type Path } from '../fuzz/configMutations';
import { seeded } from '../fuzz/fuzzKit';
import { CLI_PATH, runCli } from '../support/runCli';


/**
 * Where the error should point: a provider by its id (`providers['groq'].kind`), by its index only when the id is
 * not a valid, unique one (it is the broken field itself, or duplicated).
 */
function issuePath(cfg: unknown, p: Path): string {
  const providers = (cfg as { providers?: unknown }).providers;
  if (p[0] !== 'providers' || typeof p[1] !== 'number' || !Array.isArray(providers)) return pathText(p);
  const idOf = (x: unknown) => {
    const id = (x as { id?: unknown } | null)?.id;
    return typeof id === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id) ? id : undefined;
  };
  const id = idOf(providers[p[1]]);
  if (id === undefined || providers.filter((x) => idOf(x) === id).length > 1) return pathText(p);
  return `providers['${id}']${pathText(['x', ...p.slice(2)]).slice(1)}`;
}

function configErrorOf(raw: unknown): ConfigError {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    assert.fail(`parseConfig threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} instead of a ConfigError`);
  }
  assert.fail(`accepted an invalid config: ${JSON.stringify(raw)}`);
}

/** Every issue must point at one of the broken fields, and every broken field must get an issue. */
function assertIssuesName(err: ConfigError, broken: string[], what: string): void {
  assert.ok(err.issues.length > 0, `${what}: no issues`);
  for (const issue of err.issues) {
    assert.ok(broken.some((b) => isAtOrUnder(issue.path, b)), `${what}: issue at '${issue.path}' (${issue.message}) is not about ${broken.join(' or ')}`);
    assert.ok(issue.message.length > 0 && issue.message.length < 300, `${what}: message '${issue.message}'`);
    assert.ok(err.message.includes(issue.path), `${what}: the error message does not name '${issue.path}'`);
  }
  for (const b of broken) assert.ok(err.issues.some((i) => isAtOrUnder(i.path, b)), `${what}: no issue names ${b}`);
}


describe('fuzz: invalid configurations', function () {
  this.timeout(30_000);

  it('the unmutated base config is valid, so every failure below comes from the one field broken', () => {
    assert.equal(parseConfig(validConfig()).config.providers.length, 3);
  });

  it('every wrong value of every field (wrong type, range, NaN, Infinity, unknown kind, bad URL) gives a ConfigError naming exactly that field', () => {
    let cases = 0;
    for (const spec of FIELD_BREAKS) {
      for (const value of spec.values) {
        for (const i of [0, 1, 2]) {
          const cfg = validConfig();
          const p = spec.path(i);
          setAt(cfg, p, value);
          assertIssuesName(configErrorOf(cfg), [issuePath(cfg, p)], `${pathText(p)} = ${String(JSON.stringify(value) ?? value)}`);
          cases++;
          if (p[0] !== 'providers') break;
        }
      }
    }
    assert.ok(cases > 150, `only ${cases} cases`);
  });

  it('a section of the wrong shape, a missing required field, a duplicate id or a broken cross-field rule names that field', () => {
    for (const brk of STRUCTURE_BREAKS) {
      for (const i of [0, 1, 2]) {
        const cfg = validConfig();
        const p = brk.apply(cfg, i);
        assertIssuesName(configErrorOf(cfg), [issuePath(cfg, p)], `${brk.name} (provider ${i})`);
      }
    }
  });

  it('two, three or four fields broken at once (randomly chosen, 300 configs) give an issue for each and none for anything else', () => {
    const rng = seeded(909);
    for (let n = 0; n < 300; n++) {
      const cfg = validConfig();
      const broken: Path[] = [];
      const count = 2 + rng.int(3);
      for (let k = 0; k < count; k++) {
        const spec = rng.pick(FIELD_BREAKS);
        const p = spec.path(rng.int(3));
        // A field inside one already broken (pricing.inputPerMillion inside pricing) would be shadowed by it.
        if (broken.some((b) => isAtOrUnder(pathText(p), pathText(b)) || isAtOrUnder(pathText(b), pathText(p)))) continue;
        setAt(cfg, p, rng.pick(spec.values));
        broken.push(p);
      }
      assertIssuesName(configErrorOf(cfg), broken.map((p) => issuePath(cfg, p)), `config #${n}`);
    }
  });

  it('the settings.json spellings (llmRouter.-prefixed and dotted keys) report the nested field path', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ 'llmRouter.routing.strategy': 'fastest' }, 'routing.strategy'],
      [{ 'timeouts.totalMs': -1 }, 'timeouts.totalMs'],
      [{ 'llmRouter.breaker': { failureRateThreshold: 2 } }, 'breaker.failureRateThreshold'],
      [{ 'llmRouter.providers': [{ id: 'x', kind: 'gpt', model: 'm' }] }, "providers['x'].kind"],
    ];
    for (const [raw, want] of cases) assertIssuesName(configErrorOf(raw), [want], JSON.stringify(raw));
  });

  it('a config that is not an object at all is one root-level ConfigError', () => {
    for (const raw of [null, 5, 'providers', [], true]) {
      const err = configErrorOf(raw);
      assert.equal(err.issues.length, 1);
      assert.equal(err.issues[0].path, '');
    }
  });

  it("an unknown field in a provider is an error naming the provider by id, with a 'did you mean' for every field misspelt by case or one letter", () => {
    const fields = ['kind', 'baseUrl', 'model', 'apiKeyEnv', 'priority', 'weight', 'timeoutMs', 'pricing', 'contextWindow', 'headers', 'enabled'];
    const rng = seeded(4242);
    for (const field of fields) {
      const chars = field.split('');
      const k = rng.int(chars.length);
      chars[k] = chars[k] === 'x' ? 'y' : 'x';
      for (const typo of [field.toUpperCase(), field === 'baseUrl' ? 'baseURL' : field.toLowerCase() === field ? `${field}s` : field.toLowerCase(), chars.join('')]) {
        if (typo === field) continue;
        const cfg = validConfig();
        const groq = (cfg.providers as Record<string, unknown>[])[2];
        groq[typo] = groq[field] ?? 1;
        delete groq[field];
        const err = configErrorOf(cfg);
        const issue = err.issues.find((i) => i.path === `providers['groq'].${typo}`);
        assert.ok(issue, `${typo}: ${err.message}`);
        assert.equal(issue.message, `unknown field '${typo}' in provider 'groq' — did you mean '${field}'?`, typo);
      }
    }
  });

  it('names a field that could hold a secret without ever showing its value', () => {
    const secret = 'sk-live-0123456789abcdef';
    for (const [p, value] of [
      [['providers', 0, 'apiKeyEnv'], secret],
      [['providers', 2, 'headers', 'Authorization'], 12345],
      [['providers', 2, 'headers'], secret],
    ] as [Path, unknown][]) {
      const cfg = validConfig();
      setAt(cfg, p, value);
      const err = configErrorOf(cfg);
      assert.ok(!err.message.includes(secret) && !err.message.includes('12345'), err.message);
      assert.match(err.message, /not shown/);
    }
    const cfg = validConfig();
    (cfg.providers as Record<string, unknown>[])[1].apiKey = secret;
    const err = configErrorOf(cfg);
    assert.ok(!err.message.includes(secret));
    assert.match(err.message, /providers\['claude'\]\.apiKey: unknown field 'apiKey' in provider 'claude' — a key is never read from the configuration/);
  });

  describe('through the CLI (dist/cli.js)', () => {
    let dir: string;
    before(async function () {
      if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does).`);
      dir = await mkdtemp(path.join(tmpdir(), 'llm-router-cfgfuzz-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const CLI_CASES: [string, Path, unknown][] = [
      ['an unknown kind', ['providers', 2, 'kind'], 'gpt'],
      ['a negative timeout', ['timeouts', 'totalMs'], -1],
      ['a bad URL', ['providers', 1, 'baseUrl'], 'not a url'],
      ['a duplicate id', ['providers', 1, 'id'], 'openai'],
      ['the wrong nesting', ['routing'], 'priority'],
    ];
    it(`ask with ${CLI_CASES.map((c) => c[0]).join(', ')} each exits 2 and names the field on stderr`, async () => {
      await Promise.all(
        CLI_CASES.map(async ([name, p, value]) => {
          const cfg = validConfig();
          setAt(cfg, p, value);
          const file = path.join(dir, `${name.replace(/\W+/g, '-')}.json`);
          await writeFile(file, JSON.stringify(cfg));
          const r = await runCli(['ask', '--config', file, '--state-dir', path.join(dir, 'state'), 'hello']);
          assert.equal(r.code, 2, `${name}: ${r.stderr}`);
          assert.ok(r.stderr.includes(issuePath(cfg, p)), `${name}: stderr does not name ${issuePath(cfg, p)}:\n${r.stderr}`);
          assert.equal(r.stdout, '');
        }),
      );
    });
  });
});
