import './zodWithoutEval';
import './styles.css';
import { parseHostMessage, type DashboardWindow, type WebviewMessage } from '../src/extension/dashboard/protocol';
import { h } from './dom';
import { AlertList } from './panels/alertList';
import { CacheSection } from './panels/cacheSection';
import { ChartsSection } from './panels/chartsSection';
import { CostsSection } from './panels/costsSection';
import { ErrorBanner } from './panels/errorBanner';
import { EventLog } from './panels/eventLog';
import { Header } from './panels/header';
import { ProviderCacheSection } from './panels/providerCacheSection';
import { ProviderCards } from './panels/providerCards';
import { QualityRanking } from './panels/qualityRanking';
import { SummaryTiles } from './panels/summaryTiles';
import { TeamSection } from './panels/teamSection';
import { qualityRows } from './qualityView';
import { teamView } from './teamView';
import { hostApi, readUiState, type UiState } from './uiState';
import { cacheView, costView, DashboardStore, effectiveFilter, eventViews, providerCacheView, providerViews, summaryView, WINDOW_LABEL, type Percentile } from './viewModel';
import type { EventFilter } from './viewModel';

const api = hostApi();
let ui: UiState = readUiState(api.getState());
const store = new DashboardStore();
const post = (m: WebviewMessage) => api.postMessage(m);
const save = () => api.setState(ui);
const change = (patch: Partial<UiState>) => {
  ui = { ...ui, ...patch };
  save();
  render();
};

const header = new Header((w: DashboardWindow) => {
  if (w === ui.window) return;
  change({ window: w });
  post({ type: 'setWindow', window: w });
}, post);
const banner = new ErrorBanner(() => {
  store.lastError = undefined;
  render();
});
const alertList = new AlertList();
const tiles = new SummaryTiles();
const providers = new ProviderCards(post);
const quality = new QualityRanking();
const team = new TeamSection();
const charts = new ChartsSection((percentile: Percentile) => change({ percentile }));
const costs = new CostsSection();
const cache = new CacheSection(post);
const providerCache = new ProviderCacheSection();
const events = new EventLog(ui.filter, (filter: EventFilter) => change({ filter }));
const content = h('div', { className: 'content', hidden: true }, alertList.el, tiles.el, providers.el, team.el, quality.el, charts.el, h('div', { className: 'two-col' }, costs.el, h('div', { className: 'stack' }, cache.el, providerCache.el)), events.el);

const app = document.getElementById('app') as HTMLElement;
const loading = app.querySelector('.loading');
app.append(header.el, banner.el, content);

function render(): void {
  const now = store.now();
  header.update(store.hasSnapshot ? summaryView(store) : undefined, ui.window);
  banner.update(store.lastError);
  if (!store.hasSnapshot) return;
  alertList.update(store.alerts, now);
  tiles.update(summaryView(store), store.window);
  providers.update(providerViews(store, now));
  team.update(teamView(store.team, WINDOW_LABEL[store.window], now));
  quality.update(qualityRows(store.quality));
  charts.update(store, ui.percentile, now);
  const c = costView(store);
  if (c) costs.update(c);
  const cv = cacheView(store);
  if (cv) cache.update(cv);
  providerCache.update(providerCacheView(store));
  events.update(eventViews(store, ui.filter, now), store.events.length, effectiveFilter(store, ui.filter), store.providers.map((p) => p.id));
}

window.addEventListener('message', (e: MessageEvent) => {
  const parsed = parseHostMessage(e.data);
  if (!parsed.ok) {
    console.warn(`LLM Router dashboard: ignored a malformed message (${parsed.problem}).`);
    return;
  }
  const first = !store.hasSnapshot;
  if (!store.apply(parsed.message)) {
    console.warn(`LLM Router dashboard: ignored an out-of-turn '${parsed.message.type}' message.`);
    return;
  }
  if (parsed.message.type === 'snapshot' && parsed.message.window !== ui.window) ui = { ...ui, window: parsed.message.window };
  render();
  if (first && store.hasSnapshot) {
    loading?.remove();
    content.hidden = false;
    app.setAttribute('aria-busy', 'false');
    // Restore where the reader was, once there is content to scroll.
    requestAnimationFrame(() => window.scrollTo(0, ui.scrollY));
  }
});

let scrollTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('scroll', () => {
  scrollTimer ??= setTimeout(() => {
    scrollTimer = undefined;
    ui = { ...ui, scrollY: Math.round(window.scrollY) };
    save();
  }, 200);
});

// "3 min ago" and probe countdowns move on between messages.
setInterval(render, 1_000);
render();
post({ type: 'ready', window: ui.window });
