import type { FileOutputConfig } from "@anomaly-writer/config";
import { createRotatingFileWriter } from "@anomaly-writer/file-sink";
import type { ProbeResult } from "@anomaly-writer/healthcheck";
import type { Sink } from "./sink.ts";

/** `class: file`: VictoriaMetrics JSON lines appended to a file rotated by size (written, not "would write"). */
export function createFileOutputSink(file: FileOutputConfig, maxInFlight: number): Sink {
  const writer = createRotatingFileWriter({
    path: file.path,
    maxBytes: file.maxBytes,
    maxFiles: file.maxFiles,
    fsync: file.fsync,
  });
  const target = `file://${file.path}`;
  return {
    kind: "file",
    target,
    format: "json_lines",
    takesPrometheusText: false,
    takesRemoteWrite: false,
    bodyEncoding: "utf8",
    mergeable: true,
    maxInFlight,
    writes: true,
    ready: () => Promise.resolve(),
    async send(body) {
      await writer.write(body);
      return body.byteLength;
    },
    isAlive: () => Promise.resolve(true),
    async probe() {
      const reason = `class file: writes JSON lines to ${file.path} (rotated at ${file.maxBytes} bytes)`;
      const result: ProbeResult = { ok: true, url: target, code: "file", latencyMs: 0, reason };
      return { health: result, write: result };
    },
    close: () => writer.close(),
  };
}
