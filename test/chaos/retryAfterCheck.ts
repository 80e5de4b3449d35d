import type { Fault, FormatKind } from '../emulator/server';
import type { ObservedDispatch } from './dispatchObserver';
import { faultName, requestedWaitMs } from './chaosFaults';
import type { PhaseTraffic } from './chaosFleet';

/** A provider's request to wait, as the emulator sent it and the client received it. */
export interface WaitWindow {
  provider: string;
  /** Emulator clock (performance.now()) when it answered with Retry-After. */
  sentAt: number;
  /** sentAt + the requested wait. */
  until: number;
  /** When the client had read that response in full: only requests dispatched after this can be blamed. */
  learnedAt: number;
  fault: string;
  /** The chaos request that got the wait. */
  tag: string;
}

export interface RetryAfterViolation {
  provider: string;
  fault: string;
  /** How much too early the request reached the provider, in ms. */
  earlyByMs: number;
  detail: string;
}

export interface RetryAfterReport {
  windows: number;
  /** Requests that reached a provider inside its wait but had been sent before the client knew of it. */
  inFlightExempt: number;
  violations: RetryAfterViolation[];
  /** Emulator-side requests that could not be matched to a client dispatch (should stay 0). */
  unmatched: number;
  /** Windows still open at the end of the phase, to be checked against the next phase's traffic. */
  carry: WaitWindow[];
}

/**
 * For every 429/503 the emulators sent with a Retry-After, the next requests that provider receives must come
 * no earlier than the deadline (minus `toleranceMs`), across all concurrent requests — except requests the
 * engine had already dispatched before the response reached it, which it could not have held back.
 */
export function checkRetryAfter(
  traffic: PhaseTraffic[],
  dispatches: ObservedDispatch[],
  carried: WaitWindow[],
  phaseEnd: number,
  toleranceMs = 5,
  // The same check serves rate-limit headers that announced no headroom until their reset.
  waitOf: (fault: Fault, format: FormatKind) => number | undefined = requestedWaitMs,
): RetryAfterReport {
  const byKey = new Map<string, ObservedDispatch[]>();
  for (const d of dispatches) {
    const key = `${d.provider}|${d.tag}`;
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(d);
  }
  // Tries of one request at one provider are sequential, so the latest dispatch before receipt is the one received.
  const dispatchOf = (provider: string, tag: string, receivedAt: number): ObservedDispatch | undefined => {
    const list = byKey.get(`${provider}|${tag}`);
    if (!list) return undefined;
    let found: ObservedDispatch | undefined;
    for (const d of list) if (d.at <= receivedAt) found = d;
    return found;
  };

  const windows: WaitWindow[] = [...carried];
  for (const t of traffic) {
    for (const entry of t.faultLog) {
      const wait = waitOf(entry.fault, entry.format);
      const rec = t.received[entry.seq];
      if (!wait || !rec) continue;
      const d = dispatchOf(t.provider, rec.tag, rec.at);
      // The client never read this response (its caller gave up first): the engine cannot honour what it never saw.
      if (d?.endedAt === undefined) continue;
      windows.push({ provider: t.provider, sentAt: rec.at, until: rec.at + wait, learnedAt: d.endedAt, fault: faultName(entry.fault), tag: rec.tag });
    }
  }

  const report: RetryAfterReport = { windows: windows.length - carried.length, inFlightExempt: 0, violations: [], unmatched: 0, carry: [] };
  const seen = new Set<string>();
  const exempt = new Set<string>();
  for (const w of windows) {
    if (w.until > phaseEnd) report.carry.push(w);
    for (const t of traffic) {
      if (t.provider !== w.provider) continue;
      for (const rec of t.received) {
        if (rec.at <= w.sentAt || rec.at >= w.until - toleranceMs) continue;
        const d = dispatchOf(t.provider, rec.tag, rec.at);
        if (!d) {
          report.unmatched++;
          continue;
        }
        const id = `${t.provider}|${rec.tag}|${rec.at}`;
        if (d.at <= w.learnedAt) {
          exempt.add(id);
          continue;
        }
        if (seen.has(id)) continue;
        seen.add(id);
        report.violations.push({
          provider: w.provider,
          fault: w.fault,
          earlyByMs: w.until - rec.at,
          detail: `wait sent ${w.sentAt.toFixed(1)} (${w.tag}), known ${w.learnedAt.toFixed(1)}; request ${rec.tag} sent ${d.at.toFixed(1)}, received ${rec.at.toFixed(1)}`,
        });
      }
    }
  }
  report.inFlightExempt = exempt.size;
  return report;
}
