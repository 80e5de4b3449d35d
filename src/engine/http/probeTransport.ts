import { request, type Dispatcher } from 'undici';
import { CancelledError, ProviderError } from '../errors';
import type { ProviderAdapter, ProviderEndpoint } from '../providers/adapter';
import { insecureKeyTransport } from './endpointSecurity';

const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface ProbeOptions {
  dispatcher?: Dispatcher;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Sends one provider's token-free probe (its models list); resolves on a 2xx, else throws a classified error. */
export async function sendProbe(adapter: ProviderAdapter, ep: ProviderEndpoint, opts: ProbeOptions): Promise<void> {
  const spec = adapter.buildProbe(ep);
  const insecure = insecureKeyTransport(spec.url, ep.apiKey !== undefined && ep.apiKey !== '');
  if (insecure) throw new ProviderError({ provider: ep.id, errorClass: 'insecure_endpoint', message: `Provider '${ep.id}': ${insecure} (check its baseUrl).` });
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await request(spec.url, { method: 'GET', headers: { accept: 'application/json', ...spec.headers }, dispatcher: opts.dispatcher, signal });
    const body = await readCapped(res.body);
    if (res.statusCode < 200 || res.statusCode >= 300) throw adapter.parseError(res.statusCode, body, res.headers, ep);
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    if (opts.signal?.aborted) throw new CancelledError();
    if (timeout.aborted) throw new ProviderError({ provider: ep.id, errorClass: 'timeout', message: `Provider '${ep.id}': health probe timeout after ${opts.timeoutMs} ms.`, cause: err });
    const what = err instanceof Error ? err.message.slice(0, 200) : String(err).slice(0, 200);
    throw new ProviderError({ provider: ep.id, errorClass: 'connection', message: `Provider '${ep.id}': health probe failed — ${what}.`, cause: err });
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy?: () => void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    // A models list can be long; only an error body is ever read, so the rest is dropped.
    if (size >= MAX_ERROR_BODY_BYTES) {
      body.destroy?.();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY_BYTES);
}
