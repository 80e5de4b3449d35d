import type { ProviderConfig } from '../config/schema';
import { ProviderError } from '../errors';
import type { ProviderKind } from '../types';
import { adapterFor, effectiveBaseUrl } from './registry';

interface VendorKey {
  /** The variables the vendor's own SDK reads, in the order they are tried. */
  variables: readonly string[];
  /** The vendor's official API hosts: the only places these variables are sent to. */
  hosts: readonly string[];
}

const VENDOR_KEYS: readonly VendorKey[] = [
  { variables: ['OPENAI_API_KEY'], hosts: ['api.openai.com'] },
  { variables: ['ANTHROPIC_API_KEY'], hosts: ['api.anthropic.com'] },
  { variables: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], hosts: ['generativelanguage.googleapis.com'] },
  { variables: ['CO_API_KEY'], hosts: ['api.cohere.com', 'api.cohere.ai'] },
  { variables: ['MISTRAL_API_KEY'], hosts: ['api.mistral.ai'] },
  { variables: ['GROQ_API_KEY'], hosts: ['api.groq.com'] },
  { variables: ['CEREBRAS_API_KEY'], hosts: ['api.cerebras.ai'] },
  { variables: ['OPENROUTER_API_KEY'], hosts: ['openrouter.ai'] },
  { variables: ['DEEPSEEK_API_KEY'], hosts: ['api.deepseek.com'] },
];

/** Which environment variables may hold a provider's key, and where that key is sent. */
export interface KeySource {
  /** 'apiKeyEnv': the config names the variable; 'vendor': the official host's usual variable; 'none': no variable. */
  origin: 'apiKeyEnv' | 'vendor' | 'none';
  /** The variables tried, in order (empty for 'none'). */
  variables: readonly string[];
  /** The host (and port, if any) the key goes to. */
  host: string;
  /** The kind's vendor variables, when they are not sent because the host is not the vendor's. */
  withheld?: VendorKey;
}

function vendorFor(url: URL): VendorKey | undefined {
  if (url.protocol !== 'https:' || url.port !== '') return undefined;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return VENDOR_KEYS.find((v) => v.hosts.includes(host));
}

/** The vendor behind a kind's default host (none for openai-compatible and ollama). */
function kindVendor(kind: ProviderKind): VendorKey | undefined {
  const defaultUrl = adapterFor(kind).defaultBaseUrl;
  return defaultUrl ? vendorFor(new URL(defaultUrl)) : undefined;
}

/** A vendor's usual variable goes only to that vendor's official host; any other host needs `apiKeyEnv`. */
export function keySourceFor(p: ProviderConfig): KeySource {
  // Asked before every request; a parsed provider config is never changed, so its answer stays the same.
  let source = keySources.get(p);
  if (!source) {
    source = keySourceUncached(p);
    keySources.set(p, source);
  }
  return source;
}

const keySources = new WeakMap<ProviderConfig, KeySource>();

function keySourceUncached(p: ProviderConfig): KeySource {
  const url = new URL(effectiveBaseUrl(p));
  if (p.apiKeyEnv) return { origin: 'apiKeyEnv', variables: [p.apiKeyEnv].flat(), host: url.host };
  const vendor = vendorFor(url);
  if (vendor) return { origin: 'vendor', variables: vendor.variables, host: url.host };
  return { origin: 'none', variables: [], host: url.host, withheld: kindVendor(p.kind) };
}

/** The first of `variables` that is set in `env`. */
export function firstSet(variables: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  return variables.find((name) => env[name]);
}

/**
 * The provider's key from the environment, by keySourceFor's rule. When the only key around is a vendor
 * variable withheld from a custom host, fails with a missing_key error that says what to set.
 */
export function envKeyFor(p: ProviderConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return envKeysFor(p, env)[0];
}

/** Every key the provider may use from the environment: each set variable of an `apiKeyEnv` list, in order; else as envKeyFor. */
export function envKeysFor(p: ProviderConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const source = keySourceFor(p);
  if (source.origin === 'apiKeyEnv') {
    const keys = source.variables.map((name) => env[name]).filter((k): k is string => !!k);
    if (keys.length > 0) return keys;
  }
  const name = firstSet(source.variables, env);
  if (name) return [env[name] as string];
  const withheld = source.withheld && firstSet(source.withheld.variables, env);
  if (withheld && adapterFor(p.kind).requiresKey) {
    throw new ProviderError({
      provider: p.id,
      errorClass: 'missing_key',
      message: `Provider '${p.id}' uses a custom host (${source.host}); name the variable holding its key in providers[].apiKeyEnv — ${withheld} is only sent to ${source.withheld?.hosts.join(' or ')}.`,
    });
  }
  return [];
}
