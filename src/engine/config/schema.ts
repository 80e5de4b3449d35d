import { z } from 'zod';

const PROVIDER_KINDS = ['openai', 'openai-compatible', 'anthropic', 'gemini', 'cohere', 'ollama', 'vscode-lm'] as const;
const SHARED_STATE_PARTS = ['budget', 'breakers', 'rateLimits', 'cache', 'metrics'] as const;
const ROUTING_STRATEGIES = ['priority', 'weighted', 'latency', 'cost', 'quality', 'auto'] as const;

const httpUrl = z
  .string()
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL')
  .transform((s) => s.replace(/\/+$/, ''));

const positiveInt = z.number().int().positive();
const envVariable = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const nonNegative = z.number().nonnegative();

const pricingSchema = z.object({
  inputPerMillion: nonNegative,
  outputPerMillion: nonNegative,
  cachedInputPerMillion: nonNegative.optional(),
  cacheWritePerMillion: nonNegative.optional(),
});

export const providerSchema = z.object({
  id: z
    .string()
    .min(1, 'must not be empty')
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may contain only letters, digits, ".", "_" and "-"'),
  kind: z.enum(PROVIDER_KINDS),
  baseUrl: httpUrl.optional(),
  model: z.string().min(1, 'must not be empty'),
  /** Kind vscode-lm only: the vendor whose editor models to use (`model` is the family); default copilot. */
  vendor: z
    .string()
    .min(1, 'must not be empty')
    .refine((v) => v !== 'llm-router', "must not be 'llm-router': those are LLM Router's own models, so requests would loop back into the router")
    .optional(),
  /** Several variables give the provider several keys: a key that hits a rate limit, its quota or a 401 cools down and the next serves. */
  apiKeyEnv: z.union([envVariable, z.array(envVariable).min(1, 'must name at least one variable').max(16)]).optional(),
  priority: z.number().int().optional(),
  weight: z.number().positive().finite().optional(),
  timeoutMs: positiveInt.optional(),
  pricing: pricingSchema.optional(),
  contextWindow: positiveInt.optional(),
  /** What the model can take; a missing field means capable, so the provider's own answer decides. */
  capabilities: z.strictObject({ tools: z.boolean().optional(), images: z.boolean().optional(), structuredOutput: z.boolean().optional() }).optional(),
  /** The user's own pace for this provider, held in any rolling minute whatever the provider announces. */
  limits: z.strictObject({ rpm: positiveInt.optional(), tpm: positiveInt.optional() }).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  enabled: z.boolean().optional(),
  /** Unset means on: ask the provider to cache the stable prefix (Anthropic cache_control breakpoints, OpenAI prompt_cache_key). */
  promptCaching: z.boolean().optional(),
});

export const configSchema = z
  .object({
    providers: z.array(providerSchema).default([]),
    routing: z
      .object({
        strategy: z.enum(ROUTING_STRATEGIES).default('priority'),
        requestBudgetMs: positiveInt.default(120_000),
        hedging: z
          .object({
            enabled: z.boolean().default(false),
            minDelayMs: positiveInt.default(250),
          })
          .prefault({}),
      })
      .prefault({}),
    timeouts: z
      .object({
        connectMs: positiveInt.default(5_000),
        firstTokenMs: positiveInt.default(30_000),
        // Suggest Code, Analyze File, inline completions: a person is waiting, so a silent provider is left sooner.
        interactiveFirstTokenMs: positiveInt.default(5_000),
        totalMs: positiveInt.default(120_000),
      })
      .prefault({}),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(10).default(3),
        baseDelayMs: z.number().int().nonnegative().default(250),
        maxDelayMs: z.number().int().nonnegative().default(8_000),
      })
      .prefault({}),
    breaker: z
      .object({
        consecutiveFailures: positiveInt.default(5),
        failureRateThreshold: z.number().gt(0).max(1).default(0.5),
        minimumRequests: positiveInt.default(10),
        samplingWindowMs: positiveInt.default(60_000),
        halfOpenAfterMs: positiveInt.default(5_000),
        maxHalfOpenAfterMs: positiveInt.default(300_000),
      })
      .prefault({}),
    cache: z
      .object({
        enabled: z.boolean().default(true),
        ttlSeconds: positiveInt.default(86_400),
        maxBytes: positiveInt.default(50 * 1024 * 1024),
        /** false keeps answers that end in tool calls out of the cache: an agent may call the same tool again to see what changed. */
        storeToolCalls: z.boolean().default(true),
      })
      .prefault({}),
    budget: z
      .object({
        // null is how settings.json says "no limit".
        dailyUsd: nonNegative.nullish().transform((v) => v ?? undefined),
        monthlyUsd: nonNegative.nullish().transform((v) => v ?? undefined),
        warnAtPercent: z.number().gt(0).max(100).default(80),
      })
      .prefault({}),
    limits: z
      .object({
        maxResponseBytes: positiveInt.default(8 * 1024 * 1024),
      })
      .prefault({}),
    alerts: z
      .object({
        enabled: z.boolean().default(true),
        // The metrics window the error rate and p95 latency are measured over.
        window: z.enum(['5m', '1h']).default('5m'),
        errorRatePercent: z.number().gt(0).max(100).default(25),
        p95LatencyMs: positiveInt.default(30_000),
        // Fewer requests than this in the window say too little for the error rate or latency alerts.
        minRequests: positiveInt.default(5),
        breakerOpen: z.boolean().default(true),
        rateLimitedForMs: positiveInt.default(60_000),
        budget: z.boolean().default(true),
      })
      .prefault({}),
    quality: z
      .object({
        // A result this old counts half as much as one just now (see engine/quality/qualityData).
        halfLifeHours: z.number().gt(0).max(8_760).default(24),
      })
      .prefault({}),
    probes: z
      .object({
        // 0 = off; open breakers are probed at their half-open time regardless.
        intervalMs: z.number().int().nonnegative().default(0),
        whenIdle: z.boolean().default(false),
        timeoutMs: positiveInt.default(10_000),
      })
      .prefault({}),
    // The local gateway: `llm-router serve`, or the extension's own with `enabled`.
    gateway: z
      .object({
        // Read by the extension only; `serve` runs whenever it is started.
        enabled: z.boolean().default(false),
        // 0 picks a free port; `serve --port` overrides it.
        port: z.number().int().min(0).max(65_535).default(8686),
        allowedOrigins: z.array(z.string().min(1, 'must not be empty')).default([]),
        // `serve` only: the names a load balancer or a DNS name sends as Host; the bound address is always allowed.
        allowedHosts: z
          .array(z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, 'must be a host name or address with an optional port, e.g. llm.team.internal or 10.0.0.5:8686 (no scheme, no path)'))
          .default([]),
        maxBodyBytes: positiveInt.default(32 * 1024 * 1024),
      })
      .prefault({}),
    // Opt-in team state through Redis or Valkey; without it every member keeps state in their own files.
    sharedState: z
      .object({
        url: z
          .string()
          .refine((u) => /^rediss?:\/\/[^/]/.test(u), 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379'),
        namespace: z.string().min(1, 'must not be empty').regex(/^[A-Za-z0-9._-]+$/, 'may hold only letters, digits, ".", "_" and "-"'),
        passwordEnv: z.string().min(1, 'must not be empty').optional(),
        share: z.array(z.enum(SHARED_STATE_PARTS)).default([...SHARED_STATE_PARTS]),
        cacheContent: z.boolean().default(true),
        timeoutMs: positiveInt.max(5_000).default(150),
      })
      .optional(),
    // Read by the extension only; accepted here so one file serves both.
    inlineSuggestions: z.object({ enabled: z.boolean().default(false), debounceMs: z.number().int().nonnegative().default(300) }).prefault({}),
    log: z.object({ includePrompts: z.boolean().default(false) }).prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.providers.forEach((p, i) => {
      const prev = seen.get(p.id);
      if (prev !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `duplicate id '${p.id}' (also providers[${prev}].id)` });
      } else {
        seen.set(p.id, i);
      }
      if (p.kind === 'openai-compatible' && !p.baseUrl) {
        ctx.addIssue({ code: 'custom', path: ['providers', i, 'baseUrl'], message: "is required for kind 'openai-compatible' (e.g. https://api.groq.com/openai/v1)" });
      }
    });
    if (cfg.retry.maxDelayMs < cfg.retry.baseDelayMs) {
      ctx.addIssue({ code: 'custom', path: ['retry', 'maxDelayMs'], message: 'must be at least retry.baseDelayMs' });
    }
    if (cfg.breaker.maxHalfOpenAfterMs < cfg.breaker.halfOpenAfterMs) {
      ctx.addIssue({ code: 'custom', path: ['breaker', 'maxHalfOpenAfterMs'], message: 'must be at least breaker.halfOpenAfterMs' });
    }
  });

export type RouterConfig = z.output<typeof configSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type SharedStateConfig = NonNullable<RouterConfig['sharedState']>;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];
export type AlertsConfig = RouterConfig['alerts'];
export type ProbesConfig = RouterConfig['probes'];
