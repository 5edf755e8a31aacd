import { createHttpTarget, type HttpTargetOptions } from "./create-http-target.ts";
import type { Sink } from "./sink.ts";

/** `class: vm` (vmanomaly's writer): VictoriaMetrics JSON lines to the import URL. */
export function createVmSink(options: Omit<HttpTargetOptions, "importPath" | "requestOptions" | "startTimeOnMetrics">, maxInFlight: number): Sink {
  const { writer } = options;
  const http = createHttpTarget({
    ...options,
    importPath: writer.importJsonPath !== undefined ? { importJsonPath: writer.importJsonPath } : {},
    requestOptions: { contentType: "application/json" },
    // A single node reports its start time on /metrics; a cluster's vminsert would not show its storage's.
    startTimeOnMetrics: writer.tenantId === undefined,
  });
  return {
    ...http,
    kind: "vm",
    format: "json_lines",
    bodyEncoding: "utf8",
    mergeable: true,
    maxInFlight,
    writes: true,
    ready: () => Promise.resolve(),
  };
}
