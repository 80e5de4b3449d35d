import { ERROR_CLASSES, type ErrorClass } from '../errors';
import { SparseSketch, type SketchJSON } from './percentiles';
import type { RequestRecord } from './metricsTypes';

export interface CellJSON {
  requests: number;
  successes: number;
  errors: Record<string, number>;
  retries: number;
  fallbacks: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  cacheSavedUsd: number;
  cacheWritePremiumUsd: number;
  costUsd: number;
  unknownCostRequests: number;
  latency: SketchJSON;
  ttft: SketchJSON;
}

/** Non-negative finite number or 0: one bad value from an adapter must not poison a whole day of sums. */
function amount(x: number | undefined): number {
  return x !== undefined && x > 0 && x < Infinity ? x : 0;
}

function isErrorClass(name: string): name is ErrorClass {
  return Object.prototype.hasOwnProperty.call(ERROR_CLASSES, name);
}

/** Counters and latency sketches for one (minute or all-time) × provider × model. */
export class MetricCell {
  requests = 0;
  successes = 0;
  errors: Partial<Record<ErrorClass, number>> = {};
  retries = 0;
  fallbacks = 0;
  inputTokens = 0;
  outputTokens = 0;
  cachedInputTokens = 0;
  cacheWriteTokens = 0;
  cacheSavedUsd = 0;
  cacheWritePremiumUsd = 0;
  costUsd = 0;
  unknownCostRequests = 0;
  readonly latency = new SparseSketch();
  readonly ttft = new SparseSketch();

  add(r: RequestRecord): void {
    this.requests++;
    if (r.outcome === 'ok') {
      this.successes++;
      this.latency.add(Math.max(0, r.latencyMs));
      if (r.ttftMs !== undefined) this.ttft.add(Math.max(0, r.ttftMs));
    } else if (isErrorClass(r.errorClass)) {
      this.errors[r.errorClass] = (this.errors[r.errorClass] ?? 0) + 1;
    }
    this.retries += amount(r.retries);
    if (r.fallback) this.fallbacks++;
    this.inputTokens += amount(r.inputTokens);
    this.outputTokens += amount(r.outputTokens);
    this.cachedInputTokens += amount(r.cachedInputTokens);
    this.cacheWriteTokens += amount(r.cacheWriteTokens);
    this.cacheSavedUsd += amount(r.cacheSavedUsd);
    this.cacheWritePremiumUsd += amount(r.cacheWritePremiumUsd);
    if (r.costUsd === null) this.unknownCostRequests++;
    else this.costUsd += amount(r.costUsd);
  }

  merge(o: MetricCell): void {
    this.requests += o.requests;
    this.successes += o.successes;
    for (const cls of Object.keys(o.errors) as ErrorClass[]) {
      this.errors[cls] = (this.errors[cls] ?? 0) + (o.errors[cls] as number);
    }
    this.retries += o.retries;
    this.fallbacks += o.fallbacks;
    this.inputTokens += o.inputTokens;
    this.outputTokens += o.outputTokens;
    this.cachedInputTokens += o.cachedInputTokens;
    this.cacheWriteTokens += o.cacheWriteTokens;
    this.cacheSavedUsd += o.cacheSavedUsd;
    this.cacheWritePremiumUsd += o.cacheWritePremiumUsd;
    this.costUsd += o.costUsd;
    this.unknownCostRequests += o.unknownCostRequests;
    this.latency.merge(o.latency);
    this.ttft.merge(o.ttft);
  }

  toJSON(): CellJSON {
    return {
      requests: this.requests,
      successes: this.successes,
      errors: { ...this.errors },
      retries: this.retries,
      fallbacks: this.fallbacks,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      cachedInputTokens: this.cachedInputTokens,
      cacheWriteTokens: this.cacheWriteTokens,
      cacheSavedUsd: this.cacheSavedUsd,
      cacheWritePremiumUsd: this.cacheWritePremiumUsd,
      costUsd: this.costUsd,
      unknownCostRequests: this.unknownCostRequests,
      latency: this.latency.toJSON(),
      ttft: this.ttft.toJSON(),
    };
  }

  static fromJSON(json: CellJSON): MetricCell {
    const c = new MetricCell();
    c.requests = json.requests;
    c.successes = json.successes;
    for (const [name, n] of Object.entries(json.errors)) {
      // A class a newer version invented has no slot in ErrorClass; dropping it beats mislabelling it.
      if (isErrorClass(name) && n > 0) c.errors[name] = n;
    }
    c.retries = json.retries;
    c.fallbacks = json.fallbacks;
    c.inputTokens = json.inputTokens;
    c.outputTokens = json.outputTokens;
    c.cachedInputTokens = json.cachedInputTokens;
    c.cacheWriteTokens = json.cacheWriteTokens;
    c.cacheSavedUsd = json.cacheSavedUsd;
    c.cacheWritePremiumUsd = json.cacheWritePremiumUsd;
    c.costUsd = json.costUsd;
    c.unknownCostRequests = json.unknownCostRequests;
    c.latency.merge(SparseSketch.fromJSON(json.latency));
    c.ttft.merge(SparseSketch.fromJSON(json.ttft));
    return c;
  }
}
