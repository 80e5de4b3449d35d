import * as z from 'zod';
import { dashboardWindowSchema, LOG_EVENT_KINDS, type LogEventKind, type WebviewMessage } from '../src/extension/dashboard/protocol';
import type { EventFilter, Percentile } from './viewModel';

/** What the page remembers across hiding and window reloads (VS Code keeps it with getState/setState). */
export interface UiState {
  window: z.infer<typeof dashboardWindowSchema>;
  percentile: Percentile;
  filter: EventFilter;
  scrollY: number;
}

const DEFAULT_UI_STATE: UiState = { window: '5m', percentile: 'p95', filter: { kinds: [], text: '', provider: '' }, scrollY: 0 };

const uiStateSchema = z.object({
  window: dashboardWindowSchema.catch('5m'),
  percentile: z.enum(['p50', 'p95', 'p99']).catch('p95'),
  filter: z
    .object({
      kinds: z.array(z.enum(LOG_EVENT_KINDS as [LogEventKind, ...LogEventKind[]])).catch([]),
      text: z.string().max(200).catch(''),
      provider: z.string().max(64).catch(''),
    })
    .catch({ kinds: [], text: '', provider: '' }),
  scrollY: z.number().min(0).catch(0),
});

/** Saved state from an older version or a broken write falls back field by field to the defaults. */
export function readUiState(saved: unknown): UiState {
  const r = uiStateSchema.safeParse(saved ?? {});
  return r.success ? r.data : { ...DEFAULT_UI_STATE };
}

export interface HostApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: UiState): void;
}

declare function acquireVsCodeApi(): HostApi;

/** VS Code allows acquiring its API once per page. */
export function hostApi(): HostApi {
  return acquireVsCodeApi();
}
