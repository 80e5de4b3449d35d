import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../src/gateway/gateway';
import { startHarness, type Harness, type HarnessProvider } from '../support/engineHarness';

export const GATEWAY_TOKEN = 'gw-test-token-0123456789';

export interface GatewayHarness extends Harness {
  gateway: RunningGateway;
  /** The official OpenAI client pointed at the gateway (no SDK retries: the engine retries). */
  openai(opts?: ConstructorParameters<typeof OpenAI>[0]): OpenAI;
  /** The official Anthropic client pointed at the gateway. */
  anthropic(opts?: ConstructorParameters<typeof Anthropic>[0]): Anthropic;
}

/** An engine over one emulator per provider (cache off unless asked), and the gateway in front of it on a free loopback port. */
export async function startGatewayHarness(
  providers: HarnessProvider[],
  settings: Record<string, unknown> = {},
  gatewayOpts: Partial<Omit<GatewayOptions, 'engine'>> = {},
): Promise<GatewayHarness> {
  const h = await startHarness(providers, { cache: { enabled: false }, ...settings });
  const gateway = await startGateway({ engine: h.engine, token: GATEWAY_TOKEN, host: '127.0.0.1', port: 0, allowedOrigins: [], maxBodyBytes: 32 * 1024 * 1024, ...gatewayOpts });
  return {
    ...h,
    gateway,
    openai: (opts) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: GATEWAY_TOKEN, maxRetries: 0, ...opts }),
    anthropic: (opts) => new Anthropic({ baseURL: gateway.url, apiKey: GATEWAY_TOKEN, maxRetries: 0, ...opts }),
    async close() {
      await gateway.close();
      await h.close();
    },
  };
}

/** What a call that must fail rejected with; fails the test when it resolves. */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected the call to fail'),
    (err: unknown) => err,
  );
}

/** Every event of a stream, in order. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const events: T[] = [];
  for await (const e of stream) events.push(e);
  return events;
}
