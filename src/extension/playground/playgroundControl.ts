/** Set by `npm start` to the simulated providers' control endpoint (test/emulator/playgroundFleet.ts). */
export const PLAYGROUND_CONTROL_ENV = 'LLM_ROUTER_PLAYGROUND_CONTROL';

export interface PlaygroundState {
  providers: { id: string; kind: string; mode: string }[];
  /** Every failure mode offered, 'healthy' first, with words for a person. */
  modes: { id: string; label: string; detail: string }[];
}

/** The playground's failure switches, over loopback HTTP; undefined outside the playground. */
export class PlaygroundControl {
  private constructor(private readonly origin: string) {}

  static fromEnvironment(): PlaygroundControl | undefined {
    const origin = process.env[PLAYGROUND_CONTROL_ENV];
    return origin ? new PlaygroundControl(origin) : undefined;
  }

  state(): Promise<PlaygroundState> {
    return this.call('/') as Promise<PlaygroundState>;
  }

  async setMode(provider: string, mode: string): Promise<void> {
    await this.call(`/providers/${encodeURIComponent(provider)}/mode`, { mode });
  }

  private async call(route: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.origin}${route}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    const json = (await res.json()) as { error?: string };
    if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
    return json;
  }
}

/**
 * What to try after switching a simulated provider to `mode`. A stream cut after its first words falls back
 * differently (the diff starts over), so the hint says how.
 */
export function afterSwitchHint(mode: string): string {
  if (mode === 'healthy') return '';
  if (mode === 'cut-stream') {
    return ' Run Suggest Code: the answer breaks off after its first words, and the diff starts over on the next provider.';
  }
  return ' Run Suggest Code to watch the router fall back.';
}
