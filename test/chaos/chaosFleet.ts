import type { ProviderKind } from '../../src/engine/types';
import { startEmulator, type Emulator, type FaultLogEntry, type FormatKind } from '../emulator/server';
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

/** Every answer names the provider and the prompt, so a test can tell a complete answer from a cut one. */
export function expectedReply(provider: string, prompt: string): string {
  return `${provider} answers ${prompt}: the quick brown fox jumps over the lazy dog, twice over.`;
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
    return { provider: m.id, format, received: m.received, faultLog: [...em.faultLog], recorded: em.requests.length };
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
        return expectedReply(m.id, prompt);
      },
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
