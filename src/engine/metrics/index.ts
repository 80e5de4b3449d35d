export { MetricsRegistry, type MetricsRegistryOptions } from './metricsRegistry';
export type {
  HistoryPoint,
  MetricsSnapshot,
  MetricsStats,
  MetricsWindow,
  Percentiles,
  ProviderStats,
  RequestRecord,
} from './metricsTypes';
export { METRICS_FILE_NAME, METRICS_FILE_VERSION } from './metricsFile';
