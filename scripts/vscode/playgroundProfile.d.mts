export const PLAYGROUND_CONTROL_ENV: string;
export const PLAYGROUND_DEFAULTS: Record<string, unknown>;
export function withSimulatedProviders<T extends { id: string; baseUrl: string }>(existing: unknown, simulated: T[]): unknown[];
export function startSimulatedProviders(repoRoot: string): Promise<{ providers: object[]; env: Record<string, string>; pid: number; stop(): void }>;
