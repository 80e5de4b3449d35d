// The playground's simulated providers: one emulator each (so each fails on its own), answering with
// the playground responder, plus a loopback control endpoint that switches a provider's failure mode.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderKind } from '../../src/engine/types';
import { playgroundResponder } from './playgroundResponder';
import { startEmulator, type Emulator, type Fault } from './server';

/** The variable the playground sets for kinds that insist on a key; the value is not a secret. */
export const PLAYGROUND_KEY_ENV = 'LLM_ROUTER_PLAYGROUND_KEY';
export const PLAYGROUND_KEY_VALUE = 'playground-key-not-a-secret';

const SIMULATED: { id: string; kind: ProviderKind; model: string; keyed: boolean }[] = [
  { id: 'sim-openai', kind: 'openai-compatible', model: 'sim-gpt', keyed: false },
  { id: 'sim-claude', kind: 'anthropic', model: 'sim-claude', keyed: true },
  { id: 'sim-ollama', kind: 'ollama', model: 'sim-llama', keyed: false },
];

export const FAILURE_MODES = {
  healthy: { label: 'Healthy', detail: 'answers normally', fault: undefined },
  down: { label: 'Down', detail: 'answers every request with 503 Service Unavailable', fault: { type: 'status', status: 503, message: 'simulated outage' } },
  slow: { label: 'Slow', detail: 'waits 15 s before answering', fault: { type: 'delay', ms: 15_000 } },
  'rate-limited': { label: 'Rate limited', detail: 'answers 429 Too Many Requests with Retry-After: 20', fault: { type: 'status', status: 429, retryAfterSeconds: 20 } },
  'cut-stream': { label: 'Cut streams', detail: 'drops the connection after the first few words of an answer', fault: { type: 'cut', afterChunks: 3 } },
} satisfies Record<string, { label: string; detail: string; fault: Fault | undefined }>;

export type FailureMode = keyof typeof FAILURE_MODES;

/** A provider entry for `llmRouter.providers`. */
export interface SimulatedProvider {
  id: string;
  kind: ProviderKind;
  model: string;
  baseUrl: string;
  priority: number;
  apiKeyEnv?: string;
}

export interface PlaygroundFleet {
  providers: SimulatedProvider[];
  /** http://127.0.0.1:PORT of the control endpoint. */
  control: string;
  modeOf(id: string): FailureMode;
  close(): Promise<void>;
}

export interface FleetOptions {
  /** Pause between streamed words; 0 in tests. */
  chunkDelayMs?: number;
}

export async function startPlaygroundFleet(opts: FleetOptions = {}): Promise<PlaygroundFleet> {
  const emulators = new Map<string, Emulator>();
  const modes = new Map<string, FailureMode>();
  try {
    for (const sim of SIMULATED) {
      const emulator = await startEmulator({ name: sim.id, replyFn: playgroundResponder(sim.id), chunks: 400, chunkDelayMs: opts.chunkDelayMs ?? 30 });
      emulators.set(sim.id, emulator);
      modes.set(sim.id, 'healthy');
    }
  } catch (err) {
    await Promise.all([...emulators.values()].map((e) => e.close()));
    throw err;
  }
  const providers = SIMULATED.map((sim, i): SimulatedProvider => ({
    id: sim.id,
    kind: sim.kind,
    model: sim.model,
    baseUrl: (emulators.get(sim.id) as Emulator).baseUrl(sim.kind),
    priority: i + 1,
    ...(sim.keyed ? { apiKeyEnv: PLAYGROUND_KEY_ENV } : {}),
  }));

  const setMode = (id: string, mode: FailureMode): void => {
    const fault: Fault | undefined = FAILURE_MODES[mode].fault;
    // Rate 1: every request gets the fault until the mode changes.
    (emulators.get(id) as Emulator).setRandomFaults(fault ? { rate: 1, kinds: [fault], seed: 1 } : null);
    modes.set(id, mode);
  };
  const describe = () => ({
    providers: providers.map((p) => ({ id: p.id, kind: p.kind, mode: modes.get(p.id) })),
    modes: Object.entries(FAILURE_MODES).map(([id, m]) => ({ id, label: m.label, detail: m.detail })),
  });

  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const route = /^\/providers\/([^/]+)\/mode$/.exec(req.url ?? '');
    if (req.method === 'GET' && req.url === '/') return reply(200, describe());
    if (req.method !== 'POST' || !route) return reply(404, { error: 'GET / or POST /providers/<id>/mode {"mode": "..."}' });
    const id = decodeURIComponent(route[1]);
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      if (!emulators.has(id)) return reply(404, { error: `no simulated provider '${id}'; there are ${providers.map((p) => p.id).join(', ')}` });
      let mode: unknown;
      try {
        mode = (JSON.parse(raw) as { mode?: unknown }).mode;
      } catch {
        return reply(400, { error: 'the body must be JSON: {"mode": "..."}' });
      }
      if (typeof mode !== 'string' || !(mode in FAILURE_MODES)) {
        return reply(400, { error: `"mode" must be one of ${Object.keys(FAILURE_MODES).join(', ')}` });
      }
      setMode(id, mode as FailureMode);
      reply(200, { id, mode });
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;

  return {
    providers,
    control: `http://127.0.0.1:${port}`,
    modeOf: (id) => modes.get(id) ?? 'healthy',
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([closed, ...[...emulators.values()].map((e) => e.close())]);
    },
  };
}
