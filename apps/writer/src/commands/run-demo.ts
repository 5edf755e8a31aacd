import { parseConfig } from "@anomaly-writer/config";
import { type ExportedSeries, ensureVictoriaMetrics, labelKey, startVictoriaMetrics } from "@anomaly-writer/local-vm";
import { createVmWriter, formatWriteSummary } from "@anomaly-writer/writer";
import type { ConsolaInstance } from "consola";
import { renderSparkline, renderTable } from "../demo/render-sparkline.ts";
import { createSyntheticOutputs } from "../demo/synthetic-outputs.ts";
import { EXIT_OK, EXIT_PARTIAL } from "../exit-codes.ts";

export interface RunDemoOptions {
  logger: ConsolaInstance;
  print: (text: string) => void;
  /** Keep VictoriaMetrics running until this resolves (for browsing); default: stop at once. */
  keepUntil?: Promise<unknown>;
  now?: number;
}

const METRIC_FORMAT_YAML = `
writer:
  class: vm
  datasource_url: "%{DEMO_VM_URL}"
  metric_format:
    __name__: "anomaly_$VAR"
    for: "$QUERY_KEY"
    run: "anomaly-writer-demo"
`;

/**
 * `anomaly-writer demo`: a local VictoriaMetrics on a temporary directory, a day of synthetic model
 * outputs with injected anomalies written through the real writer, read back and shown.
 */
export async function runDemo(options: RunDemoOptions): Promise<number> {
  const { logger, print } = options;
  const binary = ensureVictoriaMetrics({ install: true, log: (line) => logger.info(line) });
  const vm = await startVictoriaMetrics({ binary });
  try {
    logger.info(`VictoriaMetrics ${vm.url} (data in ${vm.dataDir}, removed at the end)`);
    const config = parseConfig(METRIC_FORMAT_YAML, { env: { DEMO_VM_URL: vm.url } });
    const writer = createVmWriter(config, { logger });
    const { health, write: writeProbe } = await writer.probe();
    logger.info(`health: ${health.reason}; write probe: ${writeProbe.reason}`);
    const records = createSyntheticOutputs(options.now ?? Date.now());
    const result = await writer.write(records);
    await writer.close();
    logger.info(formatWriteSummary(result));

    const exported = await vm.exportSeries('{run="anomaly-writer-demo"}');
    const byKey = new Map<string, ExportedSeries>(exported.map((s) => [labelKey(s.metric), s]));
    const mismatches: string[] = [];
    let pointsRead = 0;
    const rows: string[][] = [];
    const charts: string[] = [];
    const topScore = Math.max(1, ...records.flatMap((r) => r.outputs.anomaly_score));
    for (const record of records) {
      const base = {
        ...record.labels,
        model_alias: record.model_alias,
        scheduler_alias: record.scheduler_alias,
        for: record.query_key,
        run: "anomaly-writer-demo",
      };
      for (const [variable, values] of Object.entries(record.outputs)) {
        const key = labelKey({ ...base, __name__: `anomaly_${variable}` });
        const found = byKey.get(key);
        if (!found) {
          mismatches.push(`missing ${key}`);
          continue;
        }
        pointsRead += found.values.length;
        const same =
          found.values.length === values.length &&
          found.timestamps.every((t, i) => t === record.timestamps[i] && found.values[i] === values[i]);
        if (!same) mismatches.push(`different values in ${key}`);
      }
      const scoreSeries = byKey.get(labelKey({ ...base, __name__: "anomaly_anomaly_score" }));
      const scores = scoreSeries?.values ?? [];
      const who = Object.entries(record.labels)
        .filter(([k]) => k !== "job")
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      const anomalous = scores.filter((s) => s > 1).length;
      rows.push([record.query_key, who, String(scores.length), Math.max(0, ...scores).toFixed(2), String(anomalous)]);
      charts.push(`${`${record.query_key} ${who}`.padEnd(34)} ${renderSparkline(scores, 72, topScore)}`);
    }

    print("");
    print(renderTable(["query", "series", "points", "max score", "points with score > 1"], rows));
    print("");
    print(`anomaly_score over the last 24 h (each bar = 20 min, full height = score ${topScore.toFixed(1)}):`);
    for (const chart of charts) print(chart);
    print("");
    print(`read back from VictoriaMetrics: ${exported.length} series, ${pointsRead} datapoints`);
    if (mismatches.length > 0) {
      for (const m of mismatches) logger.error(m);
      logger.error(`read-back differs from what was written in ${mismatches.length} series`);
    } else {
      print("every written datapoint was read back unchanged");
    }
    const vmui = await vm.request("/vmui/");
    const query = `${vm.url}/api/v1/query_range?query=${encodeURIComponent('anomaly_anomaly_score{run="anomaly-writer-demo"}')}&start=${Math.floor((options.now ?? Date.now()) / 1000) - 86_400}&step=300`;
    if (vmui.status === 200)
      print(
        `look at it in vmui: ${vm.url}/vmui/#/?g0.expr=${encodeURIComponent("anomaly_anomaly_score")}&g0.range_input=1d`,
      );
    else print(`this VictoriaMetrics build has no vmui (Debian strips it); query it instead: curl '${query}'`);
    if (options.keepUntil) {
      print("VictoriaMetrics keeps running: press Ctrl-C to stop it and clean up");
      await options.keepUntil;
    } else {
      print("(run `anomaly-writer demo --keep` to keep VictoriaMetrics running and browse the data)");
    }
    return result.ok && mismatches.length === 0 ? EXIT_OK : EXIT_PARTIAL;
  } finally {
    await vm.stop();
  }
}
