/** Model-output records for tests: `count` series of query `queryKey` with `points` points each. */
export function makeRecords(options: {
  queryKey: string;
  count: number;
  points?: number;
  start?: number;
  labels?: (i: number) => Record<string, string>;
  extra?: Record<string, unknown>;
}) {
  const points = options.points ?? 1;
  const start = options.start ?? 1_732_406_400_000;
  const timestamps = Array.from({ length: points }, (_, j) => start + j * 60_000);
  return Array.from({ length: options.count }, (_, i) => ({
    query_key: options.queryKey,
    labels: options.labels ? options.labels(i) : { instance: `host-${i}`, job: "node" },
    timestamps,
    outputs: {
      anomaly_score: timestamps.map((_, j) => (i + j) / 10),
      y: timestamps.map((_, j) => i * 100 + j),
      yhat: timestamps.map((_, j) => i * 100 + j + 0.5),
    },
    ...options.extra,
  }));
}

/**
 * `writer.limits` for tests that write makeRecords' 2024 timestamps where the writer cannot read
 * the test VictoriaMetrics' `-retentionPeriod=100y` from its `/flags` (a cluster behind nginx, a
 * server that is down, class noop or file): without it, the default 1-month retention refuses them.
 */
export const BACKFILL_LIMITS = "  limits:\n    retention: 100y\n";

/** A YAML config for the writer with the given datasource URL and extra writer keys. */
export function writerYaml(url: string, extra = ""): string {
  return `writer:\n  class: vm\n  datasource_url: "${url}"\n${extra}`;
}
