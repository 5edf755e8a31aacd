import type { FileOutputConfig } from "@anomaly-writer/config";
import { createRotatingFileWriter } from "@anomaly-writer/file-sink";
import type { ProbeResult } from "@anomaly-writer/healthcheck";
import type { Sink } from "./sink.ts";

/**
 * `class: file`: VictoriaMetrics JSON lines appended to a file rotated by size (written, not
 * "would write"). One append at a time, whatever `maxInFlight` the writer has: a file keeps the
 * order its appends land in, so appends behind a failed one would land before its retry (and,
 * while catching up from the queue, be appended again after it).
 */
export function createFileOutputSink(file: FileOutputConfig): Sink {
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
    maxInFlight: 1,
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
