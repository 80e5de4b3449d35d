// The one place test tools come from outside npm: Debian packages, installed with apt-get when run as
// root or with passwordless sudo. Every tier (browser, VS Code, shared state) asks here for what it needs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_PATH = process.env.LLM_ROUTER_CHROMIUM ?? '/usr/bin/chromium';
export const SYSTEM_RIPGREP_PATH = '/usr/bin/rg';
export const REDIS_SERVER_PATH = '/usr/bin/redis-server';

export class InstallError extends Error {}

/** A Debian package a tier needs, and how to tell it is already there without asking dpkg. */
export const PACKAGES = {
  chromium: { pkg: 'chromium', present: () => existsSync(CHROMIUM_PATH) },
  ripgrep: { pkg: 'ripgrep', present: () => existsSync(SYSTEM_RIPGREP_PATH) },
  krb5: { pkg: 'libkrb5-dev', present: () => existsSync('/usr/include/krb5.h') },
  make: { pkg: 'make', present: () => onPath('make') },
  gxx: { pkg: 'g++', present: () => onPath('g++') },
  python3: { pkg: 'python3', present: () => onPath('python3') },
  redis: { pkg: 'redis-server', present: () => existsSync(REDIS_SERVER_PATH) },
};

export const BROWSER_TIER = [PACKAGES.chromium];
export const REDIS_TIER = [PACKAGES.redis];
export const VSCODE_TIER = [PACKAGES.chromium, PACKAGES.ripgrep, PACKAGES.krb5, PACKAGES.make, PACKAGES.gxx, PACKAGES.python3];

const defaultLog = (line) => console.log(`[setup] ${line}`);

/** Installs whichever of `requirements` is missing; throws an InstallError that says what to run otherwise. */
export function ensureSystemPackages(requirements, log = defaultLog) {
  const missing = requirements.filter((r) => !r.present()).map((r) => r.pkg);
  if (missing.length === 0) return;
  const asRoot = process.getuid?.() === 0;
  const sudo = !asRoot && onPath('sudo') && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!onPath('apt-get') || (!asRoot && !sudo)) {
    throw new InstallError(
      `missing system packages: ${missing.join(' ')}. Install them (Debian/Ubuntu: ` +
        `sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}) and run again` +
        (missing.includes('chromium') ? ', or point LLM_ROUTER_CHROMIUM at a Chromium or Chrome binary.' : '.'),
    );
  }
  const apt = (args) => {
    const [cmd, cmdArgs] = sudo ? ['sudo', ['-n', 'apt-get', ...args]] : ['apt-get', args];
    log(`${cmd} ${cmdArgs.join(' ')}…`);
    const started = Date.now();
    const result = spawnSync(cmd, cmdArgs, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) {
      throw new InstallError(`apt-get ${args[0]} failed (exit ${result.status}):\n${tail(result.stdout + result.stderr)}`);
    }
    log(`  ok (${seconds(Date.now() - started)})`);
  };
  apt(['update', '-q']);
  apt(['install', '-y', '-q', '--no-install-recommends', ...missing]);
  const stillMissing = requirements.filter((r) => !r.present()).map((r) => r.pkg);
  if (stillMissing.length > 0) throw new InstallError(`apt-get finished but these are still missing: ${stillMissing.join(' ')}`);
}

export function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v "${cmd}"`], { stdio: 'ignore' }).status === 0;
}

export function tail(text, lines = 40) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

export function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

// `node scripts/setup/systemPackages.mjs browser` installs what that tier needs.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const tiers = { browser: BROWSER_TIER, vscode: VSCODE_TIER, redis: REDIS_TIER };
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !(n in tiers));
  if (names.length === 0 || unknown.length > 0) {
    console.error(`usage: node scripts/setup/systemPackages.mjs ${Object.keys(tiers).join('|')} …`);
    process.exit(2);
  }
  try {
    ensureSystemPackages(names.flatMap((n) => tiers[n]));
  } catch (err) {
    console.error(`[setup] FAILED: ${err instanceof InstallError ? err.message : err.stack}`);
    process.exit(1);
  }
}
