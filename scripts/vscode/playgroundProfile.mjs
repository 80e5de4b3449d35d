// The playground of `npm start`: simulated providers on loopback (test/emulator/playground.ts, run
// with tsx) and the profile settings that point the extension at them.
import { spawn } from 'node:child_process';
import path from 'node:path';

/** Set in the playground only; the extension offers "Simulate Provider Failure" when it is there. */
export const PLAYGROUND_CONTROL_ENV = 'LLM_ROUTER_PLAYGROUND_CONTROL';

/** Written only where the profile does not set them. */
export const PLAYGROUND_DEFAULTS = {
  'llmRouter.inlineSuggestions.enabled': true,
};

/**
 * The profile's provider list with the simulated providers on their current ports: entries the user
 * added are kept as they are, simulated ones keep the user's edits but get the new baseUrl, and
 * missing simulated ones are appended.
 */
export function withSimulatedProviders(existing, simulated) {
  const list = Array.isArray(existing) ? existing : [];
  const byId = new Map(simulated.map((p) => [p.id, p]));
  const kept = list.map((entry) => (entry && byId.has(entry.id) ? { ...entry, baseUrl: byId.get(entry.id).baseUrl } : entry));
  const missing = simulated.filter((p) => !list.some((entry) => entry?.id === p.id));
  return [...kept, ...missing];
}

/**
 * Starts the simulated providers in a child process and resolves once they listen.
 * @returns {Promise<{ providers: object[], env: Record<string, string>, pid: number, stop: () => void }>}
 */
export function startSimulatedProviders(repoRoot) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'emulator', 'playground.ts')], {
    cwd: repoRoot,
    // Its own process group, so a kill on exit takes it down; closing stdin asks it to stop.
    detached: true,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const stop = () => child.stdin.end();
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error('the simulated providers did not start within 30 s')), 30_000);
    const fail = (err) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`the simulated providers exited before starting (code ${code})`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const eol = buffered.indexOf('\n');
      if (eol < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const started = JSON.parse(buffered.slice(0, eol));
      resolve({
        providers: started.providers,
        env: { [PLAYGROUND_CONTROL_ENV]: started.control, [started.keyEnv]: started.keyValue },
        pid: child.pid,
        stop,
      });
    });
  });
}
