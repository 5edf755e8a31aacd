import { frameSnappyLiteral } from "@anomaly-writer/metric-format";
import { createHttpTarget, type HttpTargetOptions } from "./create-http-target.ts";
import type { Sink } from "./sink.ts";

/**
 * The largest remote-write request, direct or merged by catch-up. VictoriaMetrics refuses bodies
 * over `-maxInsertRequestSize` (32 MB by default) and decodes a whole request at once: 16 MiB
 * requests cost it about half as much CPU again as 4 MiB ones (bench/ANALYSIS.md), so a larger
 * `batch_max_bytes` applies to the other formats only.
 */
const REMOTE_WRITE_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** Remote-write 1.0 headers; the body is a snappy block (one literal, see frameSnappyLiteral). */
const REMOTE_WRITE = {
  path: "/api/v1/write",
  contentType: "application/x-protobuf",
  headers: { "Content-Encoding": "snappy", "X-Prometheus-Remote-Write-Version": "0.1.0" },
  frame: frameSnappyLiteral,
  // An empty snappy block (its length, 0): VictoriaMetrics answers 204 and stores nothing.
  emptyBody: new Uint8Array([0]),
} as const;

/**
 * `class: vm` (vmanomaly's writer): VictoriaMetrics JSON lines to the import URL. With
 * `wire_format: auto` (the default, unless `import_json_path` is set) it also sends what
 * VictoriaMetrics ingests for less CPU (bench/ANALYSIS.md), under the same tenant prefix:
 * single-point series as Prometheus text to `/api/v1/import/prometheus`, and series of many
 * points as remote-write protobuf to `/api/v1/write`.
 */
export function createVmSink(
  options: Omit<HttpTargetOptions, "importPath" | "requestOptions" | "startTimeOnMetrics">,
  maxInFlight: number,
): Sink {
  const { writer } = options;
  const auto = writer.wireFormat !== "json" && writer.importJsonPath === undefined;
  const http = createHttpTarget({
    ...options,
    importPath: writer.importJsonPath !== undefined ? { importJsonPath: writer.importJsonPath } : {},
    requestOptions: { contentType: "application/json" },
    ...(auto
      ? {
          otherFormats: {
            prometheus: { path: "/api/v1/import/prometheus", contentType: "text/plain" },
            remote_write: REMOTE_WRITE,
          },
        }
      : {}),
    // A single node reports its start time on /metrics; a cluster's vminsert would not show its storage's.
    startTimeOnMetrics: writer.tenantId === undefined,
  });
  const prometheusImportUrl = http.formatUrls.prometheus;
  const remoteWriteUrl = http.formatUrls.remote_write;
  return {
    ...http,
    kind: "vm",
    format: "json_lines",
    takesPrometheusText: auto,
    takesRemoteWrite: auto,
    ...(prometheusImportUrl !== undefined ? { prometheusImportUrl } : {}),
    ...(remoteWriteUrl !== undefined ? { remoteWriteUrl } : {}),
    bodyEncoding: "utf8",
    binaryFormats: ["remote_write"],
    maxBodyBytes: { remote_write: REMOTE_WRITE_MAX_REQUEST_BYTES },
    mergeable: true,
    maxInFlight,
    writes: true,
    ready: () => Promise.resolve(),
  };
}
