import type { TargetStartTime } from "@anomaly-writer/healthcheck";

/** What one request to a target carries besides its body. */
export interface SendOptions {
  /** Labels of the self-metrics (query_key, scheduler_alias, preset). */
  readonly context: Readonly<Record<string, string>>;
  /** Attempts of this request (the queue's background sender retries forever itself). */
  readonly attempts?: number;
  readonly signal?: AbortSignal;
  /**
   * The body's wire format, for a target that takes several (vm: `json` lines, `prometheus`
   * text or `remote_write` protobuf, each to its own path). Queued entries keep it in their meta (`format`); absent = `json`.
   */
  readonly format?: string;
}

/**
 * Where delivered bodies go: the part of a writer's sink that the queued delivery needs. A sink of
 * any class (VictoriaMetrics, remote write, a file) is one, so every class gets the queue alike.
 */
export interface DeliveryTarget {
  /** Where it writes, safe to print (credentials redacted). */
  readonly target: string;
  /** How bodies are kept in the dead-letter file: `utf8` text or `base64` binary. */
  readonly bodyEncoding: "utf8" | "base64";
  /** Consecutive bodies of one format may be joined into one request (JSON lines, Prometheus text, bare remote-write protobuf). */
  readonly mergeable: boolean;
  /**
   * Formats (`SendOptions.format`) whose bodies are binary: joined byte for byte (no newline
   * between them) and kept as base64 in the dead-letter file. Default none.
   */
  readonly binaryFormats?: readonly string[];
  /**
   * Requests at once, also while catching up (each of the next entries in order, marked sent in
   * order). Only for a target that takes requests in any order (VictoriaMetrics); default 1.
   */
  readonly maxInFlight?: number;
  /**
   * Per format (`SendOptions.format`): the largest body the target should get in one request,
   * when it is below the merge size (`maxRequestBytes`), e.g. VictoriaMetrics' remote write.
   */
  readonly maxBodyBytes?: Readonly<Record<string, number>>;
  /** Send one body; resolves with the bytes sent once the target took it, rejects otherwise. */
  send(body: Uint8Array, options: SendOptions): Promise<number>;
  /** A cheap liveness check (one attempt, short timeout): true when the target answers at all. */
  isAlive(): Promise<boolean>;
  /** When the target started, to see restarts; absent when it cannot tell. */
  readStartTime?(): Promise<TargetStartTime>;
}

/** The durable queue's settings (the `writer.queue` section, resolved). */
export interface DeliveryQueueOptions {
  /** The queue directory (one process at a time). */
  readonly path: string;
  /** Cap of the data waiting to be sent, in bytes. */
  readonly maxBytes: number;
  /** Catch-up rate limit in bytes per second; 0 = unlimited. */
  readonly rateLimitBytesPerSecond: number;
  /** Where permanently refused data goes (JSON lines). */
  readonly deadLetterFile: string;
  /** fsync every acknowledged append. */
  readonly fsync: boolean;
  /** How long after a send the target may still lose it; 0 keeps no window. */
  readonly replayWindowMs: number;
}
