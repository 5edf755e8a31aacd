const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Whether Prometheus text can carry `name` as a metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) or a
 * label name (`[a-zA-Z_][a-zA-Z0-9_]*`). Anything else is written as JSON lines instead.
 */
export function isPrometheusName(name: string, kind: "metric" | "label"): boolean {
  return (kind === "metric" ? METRIC_NAME : LABEL_NAME).test(name);
}
