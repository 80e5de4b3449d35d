import { ERROR_CLASSES, type ErrorClass } from '../../errors';
import { MetricCell } from '../../metrics/metricCell';
import type { SparseSketch } from '../../metrics/percentiles';

/** What a member counts per minute for the team: every figure of a cell, plus the response cache's lookups. */
export interface MinuteTally {
  cell: MetricCell;
  cacheHits: number;
  cacheMisses: number;
}

export function emptyTally(): MinuteTally {
  return { cell: new MetricCell(), cacheHits: 0, cacheMisses: 0 };
}

/** [field, value, field, value, …]: the fields of a Redis hash, each added with HINCRBYFLOAT. */
export type FieldList = string[];

const SCALARS = [
  'requests',
  'successes',
  'retries',
  'fallbacks',
  'inputTokens',
  'outputTokens',
  'cachedInputTokens',
  'cacheWriteTokens',
  'cacheSavedUsd',
  'cacheWritePremiumUsd',
  'costUsd',
  'unknownCostRequests',
] as const satisfies readonly (keyof MetricCell)[];

const ERROR = 'error:';

function sketchFields(prefix: string, s: SparseSketch, out: FieldList): void {
  if (s.zeros > 0) out.push(`${prefix}:zeros`, String(s.zeros));
  for (const [key, n] of s.bins) out.push(`${prefix}:${key}`, String(n));
}

/**
 * A minute as hash fields. Latency and time to first token go as their sketch's bins (`latency:<DDSketch key>`), so
 * adding members' hashes field by field merges their sketches exactly, and team percentiles keep the 1% guarantee.
 */
export function toFields(t: MinuteTally): FieldList {
  const c = t.cell;
  const out: FieldList = [];
  for (const name of SCALARS) if (c[name] !== 0) out.push(name, String(c[name]));
  for (const [cls, n] of Object.entries(c.errors)) if (n) out.push(`${ERROR}${cls}`, String(n));
  sketchFields('latency', c.latency, out);
  sketchFields('ttft', c.ttft, out);
  if (t.cacheHits) out.push('cacheHits', String(t.cacheHits));
  if (t.cacheMisses) out.push('cacheMisses', String(t.cacheMisses));
  return out;
}

/** The fields' sums back as a tally; unknown fields (a newer version's) are left out. */
export function fromFields(fields: FieldList): MinuteTally {
  const t = emptyTally();
  const c = t.cell;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    const n = Number(fields[i + 1]);
    if (!(n > 0 && n < Infinity)) continue;
    const sep = name.indexOf(':');
    if (sep < 0) {
      if (name === 'cacheHits') t.cacheHits = n;
      else if (name === 'cacheMisses') t.cacheMisses = n;
      else if ((SCALARS as readonly string[]).includes(name)) c[name as (typeof SCALARS)[number]] = n;
      continue;
    }
    const head = name.slice(0, sep);
    const tail = name.slice(sep + 1);
    if (head === 'error') {
      if (Object.prototype.hasOwnProperty.call(ERROR_CLASSES, tail)) c.errors[tail as ErrorClass] = n;
    } else if (head === 'latency' || head === 'ttft') {
      addBin(head === 'latency' ? c.latency : c.ttft, tail, n);
    }
  }
  return t;
}

function addBin(s: SparseSketch, key: string, n: number): void {
  const count = Math.round(n);
  if (key === 'zeros') {
    s.zeros += count;
  } else if (/^-?\d+$/.test(key)) {
    const k = Number(key);
    s.bins.set(k, (s.bins.get(k) ?? 0) + count);
  } else {
    return;
  }
  s.count += count;
}
