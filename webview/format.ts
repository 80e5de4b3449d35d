// How numbers read on the dashboard. Pure, so the view-model tests pin them down.

const DASH = '—';

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return grouped.format(n);
}

/** 420 ms, 1.53 s, 12.4 s, 2 min 5 s. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return DASH;
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1_000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const totalS = Math.round(ms / 1_000);
  return `${Math.floor(totalS / 60)} min ${totalS % 60} s`;
}

/** A share 0..1 as 2.1%; tiny non-zero shares as <0.1% so they do not read as none. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return DASH;
  if (ratio === 0) return '0%';
  if (ratio < 0.001) return '<0.1%';
  if (ratio >= 1) return '100%';
  const pct = ratio * 100;
  return `${pct >= 10 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

/** Cents for sums a person budgets with; four decimals for the fractions of a cent single requests cost. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0.00';
  if (usd < 0.0001) return '<$0.0001';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(usd)}`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let v = bytes;
  let unit = 0;
  while (v >= 1024 && unit < BYTE_UNITS.length - 1) {
    v /= 1024;
    unit++;
  }
  return unit === 0 ? `${v} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** A span of time in words: 12 s, 3 min, 2 h 5 min, 3 d. */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1_000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d`;
}

export function formatAgo(at: number, now: number): string {
  const diff = now - at;
  return diff < 5_000 ? 'just now' : `${formatSpan(diff)} ago`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time, HH:MM:SS; with the date when it is not today. */
export function formatClock(at: number, now: number): string {
  const d = new Date(at);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = new Date(now);
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** HH:MM, for chart axes. */
export function formatHourMinute(at: number): string {
  const d = new Date(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** 1.2k, 3.4M: compact numbers for chart axes and rate limits. */
export function formatCompact(n: number): string {
  if (n < 1_000) return String(Math.round(n * 100) / 100);
  if (n < 1_000_000) return `${trim(n / 1_000)}k`;
  if (n < 1_000_000_000) return `${trim(n / 1_000_000)}M`;
  return `${trim(n / 1_000_000_000)}G`;
}

function trim(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, '');
}

/** 'rate_limited' → 'rate limited', 'half-open-after-wait' → 'half open after wait'. */
export function humanize(id: string): string {
  return id.replace(/[_-]+/g, ' ');
}
