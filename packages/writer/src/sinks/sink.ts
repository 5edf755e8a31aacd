import type { DeliveryTarget } from "@anomaly-writer/delivery";
import type { ProbeResult } from "@anomaly-writer/healthcheck";
import type { FormattedSeries } from "@anomaly-writer/metric-format";
import type { ServerLimits } from "../read-server-limits.ts";

/**
 * The wire format of one request body: JSON lines, Prometheus text (vm, single-point series) or
 * remote-write protobuf (vm, multi-point series; bodies are the bare `WriteRequest`, framed for
 * snappy when sent, so that they join by concatenation).
 */
export type BodyFormat = "json" | "prometheus" | "remote_write";

/** The writer classes: one sink each. */
export type SinkKind = "vm" | "remote_write" | "file" | "noop";

/**
 * Where a writer's requests go: one implementation per writer class, chosen in one place
 * (`createSink`). The write pipeline (validate → format → batch → sink) and the queued delivery
 * (`@anomaly-writer/delivery`, which needs only the `DeliveryTarget` part) wrap every sink alike.
 */
export interface Sink extends DeliveryTarget {
  readonly kind: SinkKind;
  /** What the pipeline builds for it: JSON-lines bodies, or formatted series that `encodeSeries` turns into a body. */
  readonly format: "json_lines" | "series";
  /**
   * Besides JSON lines, it takes Prometheus text (`send` with `format: "prometheus"`): the
   * pipeline then sends single-point series that way (vm with `wire_format: auto`).
   */
  readonly takesPrometheusText: boolean;
  /**
   * Besides JSON lines, it takes bare remote-write `WriteRequest` protobuf (`send` with
   * `format: "remote_write"`): the pipeline then sends multi-point series that way (vm with
   * `wire_format: auto`).
   */
  readonly takesRemoteWrite: boolean;
  /** Requests in flight at once. */
  readonly maxInFlight: number;
  /** False for noop: nothing is written, what it is given is reported as what it would write. */
  readonly writes: boolean;
  /** The import URL (credentials redacted) of an HTTP sink. */
  readonly importUrl?: string;
  /** Where Prometheus-text bodies go (credentials redacted), when it takes them. */
  readonly prometheusImportUrl?: string;
  /** Where remote-write bodies go (credentials redacted), when it takes them. */
  readonly remoteWriteUrl?: string;
  /** The health URL (credentials redacted) of an HTTP sink. */
  readonly healthUrl?: string;
  /** Where the server's flags are (redacted), when it has them (VictoriaMetrics). */
  readonly flagsUrl?: string;
  /** Read the server's limits from its `/flags` (VictoriaMetrics); absent for targets without one. */
  readServerLimits?(timeoutMs: number): Promise<ServerLimits>;
  /** Resolves once the sink can encode and send (its encoder loaded). */
  ready(): Promise<void>;
  /** One body of formatted series (`format: "series"`). */
  encodeSeries?(series: readonly FormattedSeries[]): Uint8Array;
  /** Probe the target: its health, and whether a (empty) write is accepted. */
  probe(): Promise<{ readonly health: ProbeResult; readonly write: ProbeResult }>;
  close(): Promise<void>;
}
