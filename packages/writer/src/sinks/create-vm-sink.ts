import { createHttpTarget, type HttpTargetOptions } from "./create-http-target.ts";
import type { Sink } from "./sink.ts";

/**
 * `class: vm` (vmanomaly's writer): VictoriaMetrics JSON lines to the import URL, and with
 * `wire_format: auto` (the default, unless `import_json_path` is set) single-point series as
 * Prometheus text to `/api/v1/import/prometheus` (under the same tenant prefix), which
 * VictoriaMetrics ingests for less CPU (bench/ANALYSIS.md).
 */
export function createVmSink(
  options: Omit<HttpTargetOptions, "importPath" | "requestOptions" | "startTimeOnMetrics">,
  maxInFlight: number,
): Sink {
  const { writer } = options;
  const text = writer.wireFormat !== "json" && writer.importJsonPath === undefined;
  const http = createHttpTarget({
    ...options,
    importPath: writer.importJsonPath !== undefined ? { importJsonPath: writer.importJsonPath } : {},
    requestOptions: { contentType: "application/json" },
    ...(text ? { otherFormats: { prometheus: { path: "/api/v1/import/prometheus", contentType: "text/plain" } } } : {}),
    // A single node reports its start time on /metrics; a cluster's vminsert would not show its storage's.
    startTimeOnMetrics: writer.tenantId === undefined,
  });
  const prometheusImportUrl = http.formatUrls.prometheus;
  return {
    ...http,
    kind: "vm",
    format: "json_lines",
    takesPrometheusText: text,
    ...(prometheusImportUrl !== undefined ? { prometheusImportUrl } : {}),
    bodyEncoding: "utf8",
    mergeable: true,
    maxInFlight,
    writes: true,
    ready: () => Promise.resolve(),
  };
}
