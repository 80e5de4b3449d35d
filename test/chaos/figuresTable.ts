import type { ChaosFigures } from './chaosRun';

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const mb = (x: number) => `${x.toFixed(1)} MB`;
const int = (x: number) => x.toLocaleString('en-US');

/** The run's figures as plain-text tables: per phase, then every guarantee with its measured value. */
export function formatFigures(f: ChaosFigures): string {
  const lines: string[] = [];
  const o = f.options;
  lines.push(`Chaos run: ${int(o.requests)} requests, concurrency ${o.concurrency}, fault rate ${o.faultRate}, cancel rate ${o.cancelRate}, tool share ${o.toolShare}, seed ${o.seed} — ${(f.durationMs / 1000).toFixed(1)} s`);
  lines.push('');
  lines.push(table(
    ['phase', 'healthy', 'requests', 'conc.', 'answered', 'failed', 'broken after text', 'after tool call', 'cancelled', 'faults', 'success', 'ms'],
    f.phases.map((p) => [
      p.name,
      p.healthy ?? '—',
      int(p.requests),
      String(p.concurrency),
      int(p.outcomes.answered),
      int(p.outcomes.failed),
      int(p.outcomes['broken-after-text']),
      int(p.outcomes['broken-after-tool-call']),
      int(p.outcomes.cancelled),
      int(p.faultsInjected),
      pct(p.successRate),
      int(Math.round(p.durationMs)),
    ]),
  ));
  lines.push('');
  const resolved = f.options.requests - f.outcomes.hung;
  const t = f.tools;
  const cuts = t.argumentCuts;
  const rows: string[][] = [
    ['requests resolved (answer or typed error)', `${int(resolved)} / ${int(f.options.requests)}`],
    ['  hung (watchdog fired)', int(f.outcomes.hung)],
    ['  untyped errors', int(f.outcomes['untyped-error'])],
    ['unhandled rejections', int(f.unhandledRejections)],
    ['success with ≥ 1 healthy provider', `${pct(f.healthy.successRate)} (${int(f.healthy.answered)} / ${int(f.healthy.eligible)})`],
    ['  of which tool-calling', `${pct(t.healthy.successRate)} (${int(t.healthy.answered)} / ${int(t.healthy.eligible)})`],
    ['answers reported complete but cut or wrong', int(f.problems.count)],
    ['tool-calling requests: first turns / follow-ups', `${int(t.firstTurns)} / ${int(t.followUps)} (${int(t.toolCallAnswers)} answered with tool calls)`],
    ['tool calls handed over while streaming / not whole', `${int(t.callsHandedOver)} / ${int(t.callsIncomplete)}`],
    ['streams cut inside tool-call arguments', int(cuts.injected)],
    ['  then answered in full / broken after a call / after text / failed / cancelled', `${int(cuts.answered)} / ${int(cuts.brokenAfterToolCall)} / ${int(cuts.brokenAfterText)} / ${int(cuts.failed)} / ${int(cuts.cancelled)}`],
    ['  reported as a complete answer', int(cuts.reportedComplete)],
    ['faults injected', int(f.faults.injected)],
    ['HTTP requests dispatched / received', `${int(f.httpRequests.dispatched)} / ${int(f.httpRequests.received)}`],
    ['breaker transitions', Object.entries(f.breaker.transitions).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'],
    ['half-open probes', int(f.breaker.probes)],
    ['requests sent past an open breaker', int(f.breaker.violations.length)],
    ['Retry-After responses checked', int(f.retryAfter.windows)],
    ['  arrivals inside a wait, sent before it was known', int(f.retryAfter.inFlightExempt)],
    ['  requests sent before Retry-After elapsed', int(f.retryAfter.violations.length)],
    ['answers announcing 0 requests left until a reset', int(f.headroom.windows)],
    ['  arrivals before the reset, sent before it was known', int(f.headroom.inFlightExempt)],
    ['  requests that hit a 429 although headroom said none was left', int(f.headroom.violations.length)],
    ['heap after GC: warm-up → end', `${mb(f.heap.startMB)} → ${mb(f.heap.endMB)} (${f.heap.growthMB >= 0 ? '+' : ''}${mb(f.heap.growthMB)})`],
    ['open sockets: baseline / peak / after run / after close', `${f.sockets.baseline} / ${f.sockets.peak} / ${f.sockets.afterRun} / ${f.sockets.afterClose}`],
    ['event-loop delay p99 / max', `${f.eventLoopDelay.p99.toFixed(0)} ms / ${f.eventLoopDelay.max.toFixed(0)} ms`],
    ['client connections after run (connected / busy)', `${f.sockets.clientConnectedAfterRun} / ${f.sockets.clientBusyAfterRun}`],
  ];
  lines.push(table(['guarantee', 'measured'], rows));
  lines.push('');
  lines.push('Faults by kind: ' + Object.entries(f.faults.byKind).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', '));
  if (f.healthyFailures.length > 0) lines.push('', 'Failures although a provider was healthy:', ...f.healthyFailures.map((s) => `  ${s}`));
  if (f.problems.samples.length > 0) lines.push('', 'Problems:', ...f.problems.samples.map((s) => `  ${s}`));
  if (f.breaker.violations.length > 0) lines.push('', 'Breaker violations:', ...f.breaker.violations.slice(0, 10).map((v) => `  ${v.provider}: ${v.why} (${v.afterMs.toFixed(1)} ms after entering ${v.state})`));
  if (f.headroom.violations.length > 0) lines.push('', 'Headroom violations:', ...f.headroom.violations.slice(0, 10).map((v) => `  ${v.provider} after ${v.fault}: ${v.earlyByMs.toFixed(1)} ms early — ${v.detail}`));
  if (f.retryAfter.violations.length > 0) lines.push('', 'Retry-After violations:', ...f.retryAfter.violations.slice(0, 10).map((v) => `  ${v.provider} after ${v.fault}: ${v.earlyByMs.toFixed(1)} ms early — ${v.detail}`));
  return lines.join('\n');
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The guarantees as pass/fail; the CLI exits non-zero when any fails. */
export function failedGuarantees(f: ChaosFigures, minHealthySuccess = 0.999, maxHeapGrowthMB = 16): string[] {
  const failed: string[] = [];
  if (f.outcomes.hung > 0) failed.push(`${f.outcomes.hung} request(s) hung`);
  if (f.outcomes['untyped-error'] > 0) failed.push(`${f.outcomes['untyped-error']} untyped error(s)`);
  if (f.unhandledRejections > 0) failed.push(`${f.unhandledRejections} unhandled rejection(s)`);
  if (f.healthy.successRate < minHealthySuccess) failed.push(`success with a healthy provider ${pct(f.healthy.successRate)} < ${pct(minHealthySuccess)}`);
  if (f.tools.healthy.successRate < minHealthySuccess) failed.push(`tool-calling success with a healthy provider ${pct(f.tools.healthy.successRate)} < ${pct(minHealthySuccess)}`);
  if (f.problems.count > 0) failed.push(`${f.problems.count} wrong or incomplete answer(s)`);
  if (f.tools.callsIncomplete > 0) failed.push(`${f.tools.callsIncomplete} tool call(s) handed over with incomplete or wrong arguments`);
  if (f.tools.argumentCuts.reportedComplete > 0) failed.push(`${f.tools.argumentCuts.reportedComplete} cut(s) inside tool-call arguments reported as complete`);
  if (f.breaker.violations.length > 0) failed.push(`${f.breaker.violations.length} request(s) past an open breaker`);
  if (f.retryAfter.violations.length > 0) failed.push(`${f.retryAfter.violations.length} request(s) before Retry-After`);
  if (f.headroom.violations.length > 0) failed.push(`${f.headroom.violations.length} request(s) sent although the headroom said none was left`);
  if (f.retryAfter.unmatched > 0 || f.httpRequests.untimed > 0) failed.push('some emulator requests could not be matched or timed');
  if (f.heap.growthMB > maxHeapGrowthMB) failed.push(`heap grew ${mb(f.heap.growthMB)} (limit ${maxHeapGrowthMB} MB)`);
  if (f.sockets.afterClose > 0) failed.push(`${f.sockets.afterClose} socket(s) still open after close`);
  if (f.sockets.clientBusyAfterRun > 0) failed.push(`${f.sockets.clientBusyAfterRun} client request(s) still busy after the run`);
  if (f.sockets.afterRun > f.sockets.clientConnectedAfterRun) failed.push('server sockets the client no longer knows about');
  return failed;
}
