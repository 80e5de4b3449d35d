import type { ProviderKind, ToolDefinition } from '../../src/engine/types';
import { startEmulator, type EmulatedCallSpec, type Emulator, type FaultLogEntry, type FormatKind } from '../emulator/server';
import { CHAOS_FAULTS } from './chaosFaults';

/** A request as the emulator received it: when, and for which chaos request. */
export interface Received {
  at: number;
  tag: string;
}

export interface PhaseTraffic {
  provider: string;
  format: FormatKind;
  received: Received[];
  faultLog: FaultLogEntry[];
  /** How many requests the emulator recorded; equals received.length when every one was timed. */
  recorded: number;
  /** Whether each recorded request asked for a stream, by the same index as received. */
  streamed: boolean[];
}

interface Member {
  id: string;
  kind: ProviderKind;
  port: number;
  emulator?: Emulator;
  received: Received[];
  /** Traffic of emulator instances already stopped during this phase. */
  stoppedTraffic: PhaseTraffic[];
  faultRate: number;
  seed: number;
}

const TAG = /chaos#([\w-]+)/;

export function tagOf(text: string): string {
  return TAG.exec(text)?.[1] ?? '';
}

/** The request's first message: later turns (tool calls and results) are spelled differently by each wire format. */
function firstLine(prompt: string): string {
  const end = prompt.indexOf('\n');
  return end < 0 ? prompt : prompt.slice(0, end);
}

/** Every answer names the provider and the prompt, so a test can tell a complete answer from a cut one. */
export function expectedReply(provider: string, prompt: string): string {
  return `${provider} answers ${prompt}: the quick brown fox jumps over the lazy dog, twice over.`;
}

/** The tools every tool-calling chaos request offers. */
export const CHAOS_TOOLS: ToolDefinition[] = [
  {
    name: 'get_weather',
    description: 'Current weather and a forecast for a place.',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'array', items: { type: 'integer' } }, units: { type: 'object' }, asker: { type: 'string' } }, required: ['city'] },
  },
  {
    name: 'search_docs',
    description: 'Full-text search in the project documentation.',
    parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' }, exact: { type: 'boolean' }, filters: {} }, required: ['query'] },
  },
];

const CALLS_ASKED = /call (\d) tools?/;

/** The prompt of a first turn whose answer is `calls` tool calls. */
export function toolPrompt(tag: string, calls: number): string {
  return `chaos#${tag} look it up: call ${calls} tool${calls === 1 ? '' : 's'}`;
}

/**
 * The tool calls a provider's full answer to a prompt ends in (none for a prompt that asks for none). The arguments
 * name the provider and the prompt, are long enough to stream in several pieces, and carry quotes, backslashes and
 * non-ASCII text, so a call cut short or mangled on the way never equals them.
 */
export function expectedToolCalls(provider: string, prompt: string): EmulatedCallSpec[] {
  const n = Number(CALLS_ASKED.exec(prompt)?.[1] ?? 0);
  const tag = tagOf(prompt);
  const calls: EmulatedCallSpec[] = [
    { name: 'get_weather', arguments: { city: `Zürich "${tag}"`, days: [1, 2, 3], units: { temperature: '°C', wind: 'm/s' }, asker: `${provider}\\chaos` } },
    { name: 'search_docs', arguments: { query: `circuit breaker for ${tag} at ${provider}`, limit: 5, exact: true, filters: null } },
  ];
  return calls.slice(0, n);
}

/** The text before a provider's tool calls: none before a single call, a sentence before two. */
export function expectedToolText(provider: string, prompt: string): string {
  return expectedToolCalls(provider, prompt).length > 1 ? `${provider} looks this up for ${tagOf(prompt)} with two tools.` : '';
}

/** One emulator per provider that can be stopped (connection refused) and restarted on its port. */
export class ChaosFleet {
  private readonly members = new Map<string, Member>();

  static async start(providers: { id: string; kind: ProviderKind }[]): Promise<ChaosFleet> {
    const fleet = new ChaosFleet();
    for (const p of providers) {
      const m: Member = { id: p.id, kind: p.kind, port: 0, received: [], stoppedTraffic: [], faultRate: 0, seed: 1 };
      fleet.members.set(p.id, m);
      await fleet.launch(m);
    }
    return fleet;
  }

  /** The provider's baseUrl for a config; stays valid while its emulator is stopped. */
  baseUrl(id: string): string {
    const m = this.member(id);
    const origin = this.origin(id);
    return m.kind === 'openai' || m.kind === 'openai-compatible' ? `${origin}/v1` : origin;
  }

  kind(id: string): ProviderKind {
    return this.member(id).kind;
  }

  origin(id: string): string {
    return `http://127.0.0.1:${this.member(id).port}`;
  }

  ids(): string[] {
    return [...this.members.keys()];
  }

  /** Random faults of every kind at `rate` (0 = healthy) from now on; the seed makes the sequence repeatable. */
  setFaultRate(id: string, rate: number, seed: number): void {
    const m = this.member(id);
    m.faultRate = rate;
    m.seed = seed;
    this.applyFaults(m);
  }

  /** Stops the provider's emulator: its port refuses connections until restart(). */
  async stop(id: string): Promise<void> {
    const m = this.member(id);
    if (!m.emulator) return;
    const em = m.emulator;
    m.emulator = undefined;
    await em.close();
    m.stoppedTraffic.push(this.trafficOf(m, em));
    m.received = [];
  }

  async restart(id: string): Promise<void> {
    const m = this.member(id);
    if (!m.emulator) await this.launch(m);
  }

  openConnections(): number {
    let n = 0;
    for (const m of this.members.values()) n += m.emulator?.openConnections() ?? 0;
    return n;
  }

  /** Hands over what every emulator saw since the last call and clears it (keeping each fault setting). */
  takeTraffic(): PhaseTraffic[] {
    const out: PhaseTraffic[] = [];
    for (const m of this.members.values()) {
      out.push(...m.stoppedTraffic);
      m.stoppedTraffic = [];
      if (!m.emulator) continue;
      out.push(this.trafficOf(m, m.emulator));
      m.emulator.reset();
      m.received = [];
      m.seed += 1;
      this.applyFaults(m);
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => m.emulator?.close()));
  }

  private trafficOf(m: Member, em: Emulator): PhaseTraffic {
    const format = m.kind === 'openai-compatible' ? 'openai' : (m.kind as FormatKind);
    return { provider: m.id, format, received: m.received, faultLog: [...em.faultLog], recorded: em.requests.length, streamed: em.requests.map((r) => r.stream === true) };
  }

  private applyFaults(m: Member): void {
    m.emulator?.setRandomFaults(m.faultRate > 0 ? { rate: m.faultRate, kinds: [...CHAOS_FAULTS], seed: m.seed } : null);
  }

  private async launch(m: Member): Promise<void> {
    const em = await startEmulator({
      name: m.id,
      port: m.port || undefined,
      chunks: 6,
      // Called once per received request, in the order of em.requests: the receive time is taken here.
      replyFn: (prompt) => {
        m.received.push({ at: performance.now(), tag: tagOf(prompt) });
        const question = firstLine(prompt);
        return CALLS_ASKED.test(question) ? expectedToolText(m.id, question) : expectedReply(m.id, question);
      },
      toolCallsFn: (prompt) => expectedToolCalls(m.id, firstLine(prompt)),
    });
    m.port = Number(new URL(em.origin).port);
    m.emulator = em;
    this.applyFaults(m);
  }

  private member(id: string): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no chaos provider '${id}'`);
    return m;
  }
}
