import { registerCounter, registerGauge } from "@anomaly-writer/healthcheck";
import type { Registry } from "prom-client";

/** Why the ingest server refused a request (label `reason` of `anomaly_writer_ingest_rejected_total`). */
export type IngestServerRejectReason =
  | "unauthorized"
  | "body_too_large"
  | "too_many_records"
  | "too_many_series"
  | "too_large_expansion"
  | "overloaded"
  | "request_timeout"
  | "tls_handshake";

const REJECT_REASONS: readonly IngestServerRejectReason[] = [
  "unauthorized",
  "body_too_large",
  "too_many_records",
  "too_many_series",
  "too_large_expansion",
  "overloaded",
  "request_timeout",
  "tls_handshake",
];

/** The ingest server's own metrics, next to the writer's in the same registry. */
export interface IngestServerMetrics {
  /** One answered (or aborted) request: `path` is a known route or `other`, `code` the status or `aborted`. */
  countRequest(path: string, code: string): void;
  countRejected(reason: IngestServerRejectReason): void;
  setInFlight(requests: number): void;
}

/** Register (or attach to) the ingest server metrics in `registry`. */
export function createIngestServerMetrics(registry: Registry): IngestServerMetrics {
  const requests = registerCounter(registry, {
    name: "anomaly_writer_ingest_requests_total",
    help: "Requests answered by the ingest server, by route (path) and status code (code; aborted when the client went away).",
    labelNames: ["path", "code"],
  });
  const rejected = registerCounter(registry, {
    name: "anomaly_writer_ingest_rejected_total",
    help: "Requests and connections the ingest server refused, by reason (unauthorized, body_too_large, too_many_records, too_many_series, too_large_expansion, overloaded, request_timeout, tls_handshake).",
    labelNames: ["reason"],
  });
  const inFlight = registerGauge(registry, {
    name: "anomaly_writer_ingest_requests_in_flight",
    help: "Requests the ingest server is handling now.",
  });
  // Every reason is shown from the start (at 0), so that increase() sees the first refusal.
  for (const reason of REJECT_REASONS) rejected.inc({ reason }, 0);
  inFlight.set(0);
  return {
    countRequest: (path, code) => requests.inc({ path, code }),
    countRejected: (reason) => rejected.inc({ reason }),
    setInFlight: (value) => inFlight.set(value),
  };
}
