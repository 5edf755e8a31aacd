export type { ClientLabels, MetricLabelGuardOptions } from "./create-metric-label-guard.ts";
export { createMetricLabelGuard, OVERFLOW_LABEL_VALUE } from "./create-metric-label-guard.ts";
export type { MetricsPusher, MetricsPusherOptions, PushClock } from "./create-metrics-pusher.ts";
export { createMetricsPusher } from "./create-metrics-pusher.ts";
export type {
  DropReason,
  SentAmounts,
  WriterMetricLabels,
  WriterMetrics,
  WriterMetricsOptions,
} from "./create-writer-metrics.ts";
export { createWriterMetrics, DEFAULT_BUCKETS, PUSH_CONTEXT_COMPONENT } from "./create-writer-metrics.ts";
export type { HealthcheckErrorCode } from "./errors.ts";
export { HealthcheckError } from "./errors.ts";
export type { ExplainContext, RequestPurpose, TransportErrorExplanation } from "./explain-transport-error.ts";
export { explainTransportError } from "./explain-transport-error.ts";
export { formatPushBody } from "./format-push-body.ts";
export { probeHealth } from "./probe-health.ts";
export type { ProbeOptions, ProbeResult } from "./probe-result.ts";
export type { ProbeWriteOptions } from "./probe-write.ts";
export { probeWrite } from "./probe-write.ts";
export type { TargetStartTime } from "./read-target-start-time.ts";
export { readTargetStartTime } from "./read-target-start-time.ts";
export type { MetricDefinition } from "./register-metric.ts";
export { registerCounter, registerGauge, registerHistogram } from "./register-metric.ts";
export { DEFAULT_HEALTH_PATH, resolveHealthUrl } from "./resolve-health-url.ts";
export { PROMETHEUS_IMPORT_PATH, resolvePushUrl } from "./resolve-push-url.ts";
export { METRICS_PATH, serveMetrics } from "./serve-metrics.ts";
export type { MetricsServer, MetricsServerOptions, MetricsServerRoute } from "./start-metrics-server.ts";
export { startMetricsServer } from "./start-metrics-server.ts";
