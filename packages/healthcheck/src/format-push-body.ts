import type { Registry } from "prom-client";

/**
 * The registry as Prometheus text exposition format, with `labels` set on every sample (they
 * replace a sample's own label of the same name, as VictoriaMetrics' `extra_label` does).
 * No timestamps: VictoriaMetrics stamps the samples with the time it receives them.
 */
export async function formatPushBody(registry: Registry, labels: Readonly<Record<string, string>>): Promise<string> {
  const metrics = await registry.getMetricsAsJSON();
  const lines: string[] = [];
  for (const metric of metrics) {
    if (metric.values.length === 0) continue;
    lines.push(`# TYPE ${metric.name} ${metric.type}`);
    for (const sample of metric.values) {
      const merged: Record<string, string> = {};
      for (const [name, value] of Object.entries(sample.labels)) {
        if (value !== undefined) merged[name] = typeof value === "number" ? formatNumber(value) : String(value);
      }
      Object.assign(merged, labels);
      const pairs = Object.entries(merged).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
      const name = (sample as { metricName?: string }).metricName ?? metric.name;
      lines.push(`${name}${pairs.length > 0 ? `{${pairs.join(",")}}` : ""} ${formatNumber(sample.value)}`);
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}
