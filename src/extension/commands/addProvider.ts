import * as vscode from 'vscode';
import { parseConfig } from '../../engine/config/loadConfig';
import { providerSchema, type ProviderConfig } from '../../engine/config/schema';
import { BUILTIN_PRICING, pricingProviderFor } from '../../engine/cost/priceTable';
import { RouterEngine, type ProbeResult } from '../../engine/engine';
import { adapterFor, effectiveBaseUrl } from '../../engine/providers/registry';
import { proxyDispatcher } from '../proxy';
import type { RouterHost } from '../routerHost';
import { SECTION } from '../settings';
import { VENDORS, type Vendor } from './providerVendors';

const TITLE = 'LLM Router: Add Provider';
const PROBE_TIMEOUT_MS = 15_000;
const OTHER_MODEL = '$(edit) Another model…';

interface Draft {
  vendor: Vendor;
  id: string;
  model: string;
  baseUrl?: string;
  key?: string;
}

type Fix = 'key' | 'model' | 'baseUrl' | 'id' | 'save' | 'retry';

/**
 * Asks for a vendor, base URL (where one is needed), model, id and key, tests the connection with one
 * tiny request, and only then stores the key and appends the provider to the user's settings; cancelling
 * at any step writes nothing. Resolves with the new provider, or undefined when cancelled.
 */
export function registerAddProvider(host: RouterHost): vscode.Disposable {
  return vscode.commands.registerCommand('llmRouter.addProvider', async (): Promise<ProviderConfig | undefined> => {
    try {
      return await addProvider(host);
    } catch (err) {
      void vscode.window.showErrorMessage(`LLM Router: Add Provider failed: ${(err as Error).message}`);
      return undefined;
    }
  });
}

async function addProvider(host: RouterHost): Promise<ProviderConfig | undefined> {
  const picked = await vscode.window.showQuickPick(
    VENDORS.map((v) => ({ label: v.label, description: v.baseUrl ?? adapterFor(v.kind).defaultBaseUrl, vendor: v })),
    // How many steps follow depends on the vendor, so the count starts with the next one.
    { title: TITLE, placeHolder: 'Which provider?', ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  const vendor = picked.vendor;
  const draft: Partial<Draft> & { vendor: Vendor } = { vendor, baseUrl: vendor.baseUrl };
  const order: Exclude<Fix, 'save' | 'retry'>[] = [...(vendor.askBaseUrl ? (['baseUrl'] as const) : []), 'model', 'id', ...(vendor.key !== 'none' ? (['key'] as const) : [])];
  // "(2/4)": the vendor was step 1.
  const step = (name: (typeof order)[number]) => `${TITLE} (${order.indexOf(name) + 2}/${order.length + 1})`;
  const steps: Record<(typeof order)[number], () => Promise<boolean>> = {
    baseUrl: async () => (draft.baseUrl = await askBaseUrl(draft, step('baseUrl'))) !== undefined,
    model: async () => (draft.model = await askModel(draft, step('model'))) !== undefined,
    id: async () => (draft.id = await askId(draft, takenIds(host), step('id'))) !== undefined,
    key: async () => {
      const key = await askKey(draft as Draft, step('key'));
      if (key === undefined) return false;
      draft.key = key === '' ? undefined : key;
      return true;
    },
  };
  for (const step of order) if (!(await steps[step]())) return undefined;

  for (;;) {
    const entry = toEntry(draft as Draft);
    const probe = await testConnection(entry, draft.key, (message) => host.channel.warn(message));
    if (probe.ok) {
      const ahead = prioritised();
      await save(host, entry, draft.key);
      const order = ahead.length > 0 ? ` It is tried after ${ahead.map((id) => `'${id}'`).join(', ')}, which have a "priority"; give it one to move it up.` : '';
      void vscode.window
        .showInformationMessage(`LLM Router: '${entry.id}' answered in ${Math.round(probe.latencyMs)} ms and was added to your user settings (llmRouter.providers).${order}`, 'Open Dashboard')
        .then((choice) => choice && vscode.commands.executeCommand('llmRouter.openDashboard'));
      return entry;
    }
    const fix = await askFix(draft as Draft, describeFailure(entry, probe), likelyFix(probe.errorClass));
    if (fix === undefined) return undefined;
    if (fix === 'save') {
      await save(host, entry, draft.key);
      void vscode.window.showWarningMessage(`LLM Router: added '${entry.id}' to your user settings, although its connection test failed.`);
      return entry;
    }
    if (fix !== 'retry' && !(await steps[fix]())) return undefined;
  }
}

/** Ids of the user's providers with a priority: the priority strategy tries them before one without. */
function prioritised(): string[] {
  const user = vscode.workspace.getConfiguration(SECTION).inspect<unknown[]>('providers')?.globalValue ?? [];
  return user.flatMap((p) => (p && typeof p === 'object' && typeof (p as ProviderConfig).priority === 'number' ? [String((p as ProviderConfig).id)] : []));
}

function takenIds(host: RouterHost): Set<string> {
  const user = vscode.workspace.getConfiguration(SECTION).inspect<unknown[]>('providers')?.globalValue ?? [];
  const ids = user.map((p) => (p && typeof p === 'object' ? (p as { id?: unknown }).id : undefined)).filter((id): id is string => typeof id === 'string');
  return new Set([...ids, ...host.providers().map((p) => p.id)]);
}

function uniqueId(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  let n = 2;
  while (taken.has(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

function askBaseUrl(draft: { vendor: Vendor; baseUrl?: string }, title: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: `${title}: base URL`,
    prompt: draft.vendor.kind === 'ollama' ? 'Where Ollama listens.' : 'The endpoint root, including the version path, e.g. https://api.example.com/v1.',
    value: draft.baseUrl ?? '',
    placeHolder: 'https://api.example.com/v1',
    ignoreFocusOut: true,
    validateInput: (value) => baseUrlProblem(value.trim()),
  }).then((v) => v?.trim().replace(/\/+$/, ''));
}

function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Enter a URL starting with https:// (or http:// for a server on this machine).';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'The URL must start with https:// or http://.';
  return undefined;
}

async function askModel(draft: { vendor: Vendor; baseUrl?: string; model?: string }, title: string): Promise<string | undefined> {
  const pricing = pricingProviderFor({ kind: draft.vendor.kind, baseUrl: draft.baseUrl });
  const priced = pricing ? BUILTIN_PRICING.models.filter((m) => m.provider === pricing) : [];
  const known: (vscode.QuickPickItem & { model?: string })[] = [
    ...priced.map((m) => ({ label: m.model, description: `$${m.inputPerMillion} in · $${m.outputPerMillion} out per 1M tokens`, model: m.model })),
    ...(draft.vendor.suggestedModels ?? []).map((m) => ({ label: m, description: 'local, free', model: m })),
  ];
  // The vendor that is any OpenAI-compatible server has no name of its own to put in a sentence.
  const anyServer = draft.vendor.askBaseUrl === true && draft.vendor.kind === 'openai-compatible';
  // Nothing to pick from (usually such a server): straight to typing the id.
  if (known.length > 0) {
    const items = [...known, { label: OTHER_MODEL, description: 'type a model id' }];
    const placeHolder = anyServer ? 'Which model?' : `Which ${draft.vendor.label} model?`;
    const picked = await vscode.window.showQuickPick(items, { title: `${title}: model`, placeHolder, ignoreFocusOut: true });
    if (!picked) return undefined;
    if (picked.model) return picked.model;
  }
  const typed = await vscode.window.showInputBox({
    title: `${title}: model id`,
    prompt: `The model id exactly as ${anyServer ? 'the server' : draft.vendor.label} names it.`,
    value: draft.model ?? '',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' ? 'Enter a model id.' : undefined),
  });
  return typed?.trim();
}

async function askId(draft: { vendor: Vendor; id?: string }, taken: Set<string>, title: string): Promise<string | undefined> {
  const idField = providerSchema.shape.id;
  const typed = await vscode.window.showInputBox({
    title: `${title}: name`,
    prompt: 'Your name for this provider, used in the status bar, the dashboard and the logs.',
    value: draft.id ?? uniqueId(draft.vendor.defaultId, taken),
    ignoreFocusOut: true,
    validateInput: (v) => {
      const value = v.trim();
      if (taken.has(value)) return `There is already a provider '${value}'; pick another name.`;
      const result = idField.safeParse(value);
      return result.success ? undefined : `The name ${result.error.issues[0]?.message ?? 'is not valid'}.`;
    },
  });
  return typed?.trim();
}

async function askKey(draft: Draft, title: string): Promise<string | undefined> {
  const optional = draft.vendor.key === 'optional';
  const key = await vscode.window.showInputBox({
    title: `${title}: API key for '${draft.id}'`,
    prompt: `Stored in VS Code's secret storage, never in settings.${optional ? ' Leave empty if the server needs no key.' : ''}`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (!optional && v.trim() === '' ? `${draft.vendor.label} needs a key.` : undefined),
  });
  return key?.trim();
}

function toEntry(draft: Draft): ProviderConfig {
  const defaultUrl = adapterFor(draft.vendor.kind).defaultBaseUrl.replace(/\/+$/, '');
  const entry: ProviderConfig = { id: draft.id, kind: draft.vendor.kind, model: draft.model };
  if (draft.baseUrl && draft.baseUrl !== defaultUrl) entry.baseUrl = draft.baseUrl;
  return entry;
}

/** One tiny request to just this provider, through an engine of its own, with the key just typed. */
async function testConnection(entry: ProviderConfig, key: string | undefined, warn: (message: string) => void): Promise<ProbeResult> {
  const { config } = parseConfig({ providers: [entry], timeouts: { totalMs: PROBE_TIMEOUT_MS }, cache: { enabled: false } });
  const dispatcher = proxyDispatcher(config.timeouts.connectMs, warn);
  const engine = new RouterEngine({ config, resolveKey: () => key, dispatcher });
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `LLM Router: testing '${entry.id}' at ${hostOf(entry)}…`, cancellable: true },
      async (_progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          return (await engine.health(controller.signal))[0];
        } finally {
          sub.dispose();
        }
      },
    );
  } finally {
    await engine.close();
    await dispatcher?.close();
  }
}

function hostOf(entry: ProviderConfig): string {
  return new URL(effectiveBaseUrl(entry)).host;
}

/** What went wrong, in words that point at the step to fix. */
function describeFailure(entry: ProviderConfig, probe: ProbeResult): string {
  const host = hostOf(entry);
  const status = probe.status ? ` (${probe.status})` : '';
  switch (probe.errorClass) {
    case 'auth':
      return `the key was refused by ${host}${status}`;
    case 'missing_key':
      return `${host} needs a key, and none was given`;
    case 'connection':
      return `${host} could not be reached: ${withoutProviderPrefix(probe.message)}`;
    case 'timeout':
      return `${host} did not answer within ${PROBE_TIMEOUT_MS / 1000} s`;
    case 'not_found':
      return `${host} does not know the model '${entry.model}'${status}`;
    case 'cancelled':
      return 'the test was cancelled';
    default:
      return `${host} answered with an error${status}: ${withoutProviderPrefix(probe.message)}`;
  }
}

/** "Provider 'custom': connection refused (…)" → "connection refused (…)": the title already says which provider and host. */
function withoutProviderPrefix(message: string | undefined): string {
  return (message ?? '').replace(/^Provider '[^']*': /, '');
}

/** The step a failure most likely comes from, offered first: Enter takes it. */
function likelyFix(errorClass: string | undefined): Fix {
  switch (errorClass) {
    case 'auth':
    case 'missing_key':
      return 'key';
    case 'not_found':
      return 'model';
    case 'connection':
    case 'timeout':
      return 'baseUrl';
    default:
      return 'retry';
  }
}

async function askFix(draft: Draft, problem: string, likely: Fix): Promise<Fix | undefined> {
  const options: { label: string; fix: Fix; show: boolean }[] = [
    { label: '$(key) Enter the key again', fix: 'key', show: draft.vendor.key !== 'none' },
    { label: '$(symbol-class) Choose another model', fix: 'model', show: true },
    { label: '$(globe) Change the base URL', fix: 'baseUrl', show: draft.vendor.askBaseUrl === true },
    { label: '$(refresh) Test again', fix: 'retry', show: true },
    { label: '$(check) Save anyway', fix: 'save', show: true },
  ];
  const shown = options.filter((o) => o.show);
  // A vendor whose base URL is fixed (e.g. OpenAI) has no URL step: then testing again comes first.
  const first = shown.find((o) => o.fix === likely) ?? shown.find((o) => o.fix === 'retry');
  const picked = await vscode.window.showQuickPick(
    [...(first ? [first] : []), ...shown.filter((o) => o !== first)],
    { title: `${TITLE}: the connection test failed — ${problem}`, placeHolder: 'Fix it, or press Escape to add nothing.', ignoreFocusOut: true },
  );
  return picked?.fix;
}

/** Key first, then settings; a failed settings write takes the key back out, so nothing is half-written. */
async function save(host: RouterHost, entry: ProviderConfig, key: string | undefined): Promise<void> {
  const section = vscode.workspace.getConfiguration(SECTION);
  const current = section.inspect<unknown[]>('providers')?.globalValue ?? [];
  if (takenIds(host).has(entry.id)) throw new Error(`a provider '${entry.id}' was added meanwhile; run Add Provider again with another name`);
  // A key left behind by an earlier provider of this name must not be used for the new one.
  if (key) await host.keys.store(entry.id, key);
  else await host.keys.delete(entry.id);
  try {
    await section.update('providers', [...current, entry], vscode.ConfigurationTarget.Global);
  } catch (err) {
    await host.keys.delete(entry.id);
    throw err;
  }
}
