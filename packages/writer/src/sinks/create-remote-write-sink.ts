import type { FormattedSeries } from "@anomaly-writer/metric-format";
import { WriterError } from "../errors.ts";
import { createHttpTarget, type HttpTargetOptions } from "./create-http-target.ts";
import type { Sink } from "./sink.ts";

type RemoteWriteModule = typeof import("@anomaly-writer/remote-write");

/**
 * `class: remote_write`: Prometheus remote write 1.0 (protobuf + snappy) to `/api/v1/write`. One
 * request in flight, because Prometheus refuses samples that arrive out of order. The encoder
 * (protobufjs, snappy) is loaded when the sink is made, not when the writer package is imported.
 */
export function createRemoteWriteSink(
  options: Omit<HttpTargetOptions, "importPath" | "requestOptions" | "startTimeOnMetrics">,
): Sink {
  let encoder: RemoteWriteModule | undefined;
  const loading = import("@anomaly-writer/remote-write").then((module) => {
    encoder = module;
    return module;
  });
  loading.catch(() => undefined);
  // Filled from the module's REMOTE_WRITE_HEADERS once it is loaded (before anything is sent).
  const headers: Record<string, string> = {};
  const http = createHttpTarget({
    ...options,
    importPath: { path: "/api/v1/write" },
    requestOptions: { headers },
    startTimeOnMetrics: false,
  });
  return {
    ...http,
    kind: "remote_write",
    format: "series",
    takesPrometheusText: false,
    takesRemoteWrite: false,
    bodyEncoding: "base64",
    mergeable: false,
    maxInFlight: 1,
    writes: true,
    ready: async () => {
      const module = await loading;
      Object.assign(headers, module.REMOTE_WRITE_HEADERS);
    },
    encodeSeries(series: readonly FormattedSeries[]) {
      if (encoder === undefined)
        throw new WriterError("WRITER_INTERNAL", "the remote-write encoder is not loaded yet (await ready())");
      return encoder.encodeWriteRequest(series);
    },
  };
}
