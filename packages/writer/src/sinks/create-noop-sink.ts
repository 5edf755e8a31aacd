import type { ProbeResult } from "@anomaly-writer/healthcheck";
import type { Sink } from "./sink.ts";

/** `class: noop`: writes nothing; the pipeline reports what it would have written. */
export function createNoopSink(): Sink {
  return {
    kind: "noop",
    target: "noop",
    format: "json_lines",
    takesPrometheusText: false,
    takesRemoteWrite: false,
    bodyEncoding: "utf8",
    mergeable: true,
    maxInFlight: 1,
    writes: false,
    ready: () => Promise.resolve(),
    send: (body) => Promise.resolve(body.byteLength),
    isAlive: () => Promise.resolve(true),
    async probe() {
      const result: ProbeResult = {
        ok: true,
        url: "noop",
        code: "noop",
        latencyMs: 0,
        reason: "class noop: nothing to probe",
      };
      return { health: result, write: result };
    },
    close: () => Promise.resolve(),
  };
}
