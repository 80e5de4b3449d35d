// Runs inside VS Code's extension host for bench/editor.ts: reads the activation time VS Code itself measured
// (its Running Extensions view), then sends requests through the router and writes the host's memory around them.
const { writeFileSync } = require('node:fs');
const v8 = require('node:v8');
const vm = require('node:vm');
const vscode = require('vscode');

const EXTENSION_ID = 'llm-router.llm-router';

async function bridge(route, body) {
  const res = await fetch(`${process.env.LLM_ROUTER_WORKBENCH_BRIDGE}/${route}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`workbench bridge /${route}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

function memory() {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsedMB: m.heapUsed / 2 ** 20, rssMB: m.rss / 2 ** 20 };
}

/** "Activation: 12ms" (or "Startup Activation: …"): VS Code's codeLoadingTime + activateCallTime for the extension. */
async function activationMs() {
  await vscode.commands.executeCommand('workbench.action.showRuntimeExtensions');
  let texts = [];
  for (let i = 0; i < 50; i++) {
    ({ texts } = await bridge('text', { selector: '.runtime-extensions-editor .extension', timeoutMs: 15_000 }));
    const match = texts.filter((t) => t.includes(EXTENSION_ID) || t.startsWith('LLM Router')).map((t) => /Activation: (\d+)ms/.exec(t)).find(Boolean);
    if (match) return Number(match[1]);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the Running Extensions view never showed an activation time for ${EXTENSION_ID}; it showed: ${JSON.stringify(texts)}`);
}

exports.run = async function run() {
  const requests = Number(process.env.BENCH_EDITOR_REQUESTS);
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not loaded`);
  const beforeActivation = extension.isActive ? undefined : memory();
  const api = await extension.activate();
  const host = api.testing.host;
  const result = { activationMs: await activationMs(), beforeActivation, afterActivation: memory(), requests };
  await host.run({ messages: [{ role: 'user', content: 'warm-up' }], purpose: 'bench' });
  result.afterFirstRequest = memory();
  const started = performance.now();
  for (let i = 0; i < requests; i++) await host.run({ messages: [{ role: 'user', content: `request ${i}` }], purpose: 'bench' });
  result.requestsMs = performance.now() - started;
  result.afterRequests = memory();
  writeFileSync(process.env.BENCH_EDITOR_OUT, JSON.stringify(result));
};
