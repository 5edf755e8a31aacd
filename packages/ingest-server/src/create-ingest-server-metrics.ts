import { type VmWriter } from "@anomaly-writer/writer";

type Registry = VmWriter["metrics"]["registry"];

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

const OURS = Symbol.for("anomaly-writer.ingest-server-metric");

interface SimpleMetric {
  readonly [OURS]: true;
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge";
  add(labels: Readonly<Record<string, string>>, amount: number): void;
  set(labels: Readonly<Record<string, string>>, value: number): void;
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string>; value: number }[] }>;
  reset(): void;
}

/**
 * A counter or gauge that a prom-client Registry can hold. The writer package does not depend on
 * prom-client itself; the registry only needs `name`, `help`, `type`, `get()` and `reset()`.
 */
function simpleMetric(registry: Registry, name: string, help: string, type: "counter" | "gauge"): SimpleMetric {
  const existing: unknown = registry.getSingleMetric(name);
  if (typeof existing === "object" && existing !== null && OURS in existing) return existing as SimpleMetric;
  const series = new Map<string, { labels: Record<string, string>; value: number }>();
  const entry = (labels: Readonly<Record<string, string>>) => {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    let found = series.get(key);
    if (found === undefined) {
      found = { labels: { ...labels }, value: 0 };
      series.set(key, found);
    }
    return found;
  };
  const metric: SimpleMetric = {
    [OURS]: true,
    name,
    help,
    type,
    add: (labels, amount) => {
      entry(labels).value += amount;
    },
    set: (labels, value) => {
      entry(labels).value = value;
    },
    get: async () => ({
      name,
      help,
      type,
      aggregator: "sum",
      values: [...series.values()].map(({ labels, value }) => ({ labels: { ...labels }, value })),
    }),
    reset: () => {
      for (const item of series.values()) item.value = 0;
    },
  };
  registry.registerMetric(metric as unknown as Parameters<Registry["registerMetric"]>[0]);
  return metric;
}

/** Register (or attach to) the ingest server metrics in `registry`. */
export function createIngestServerMetrics(registry: Registry): IngestServerMetrics {
  const requests = simpleMetric(
    registry,
    "anomaly_writer_ingest_requests_total",
    "Requests answered by the ingest server, by route (path) and status code (code; aborted when the client went away).",
    "counter",
  );
  const rejected = simpleMetric(
    registry,
    "anomaly_writer_ingest_rejected_total",
    "Requests and connections the ingest server refused, by reason (unauthorized, body_too_large, too_many_records, too_many_series, too_large_expansion, overloaded, request_timeout, tls_handshake).",
    "counter",
  );
  const inFlight = simpleMetric(registry, "anomaly_writer_ingest_requests_in_flight", "Requests the ingest server is handling now.", "gauge");
  for (const reason of REJECT_REASONS) rejected.add({ reason }, 0);
  inFlight.add({}, 0);
  return {
    countRequest: (path, code) => requests.add({ path, code }, 1),
    countRejected: (reason) => rejected.add({ reason }, 1),
    setInFlight: (value) => inFlight.set({}, value),
  };
}
