import { labelKey } from "@anomaly-writer/test-stack";
import type { ExportedSeries, VictoriaMetricsServer } from "@anomaly-writer/test-stack";

/**
 * Like `vm.exportSeries`, but also finds samples stamped "now" by VictoriaMetrics (pushed without
 * timestamps): the export's default `end` is the current second, which can exclude them.
 */
export async function exportRecent(vm: VictoriaMetricsServer, match: string): Promise<ExportedSeries[]> {
  await vm.flush();
  const end = Math.ceil(Date.now() / 1000) + 3600;
  const res = await vm.request("/api/v1/export", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `match[]=${encodeURIComponent(match)}&end=${end}`,
  });
  if (res.status !== 200) throw new Error(`export answered ${res.status}: ${res.body}`);
  return res.body
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as ExportedSeries)
    .sort((a, b) => labelKey(a.metric).localeCompare(labelKey(b.metric)));
}
