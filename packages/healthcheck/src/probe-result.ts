/** The outcome of a health or write probe. */
export interface ProbeResult {
  readonly ok: boolean;
  /** The probed URL without credentials. */
  readonly url: string;
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  /** The HTTP status as text (`"200"`, `"401"`) or `connection_error`, `timeout`, `ssl_error`, `io_error`, ... */
  readonly code: string;
  readonly latencyMs: number;
  /** One human sentence: what happened and, on failure, what to change. Never holds credentials. */
  readonly reason: string;
}

/** Options shared by the probes. */
export interface ProbeOptions {
  /** Monotonic milliseconds, for the latency. Default `performance.now`. */
  readonly now?: () => number;
  /** Cancel the probe. */
  readonly signal?: AbortSignal;
}
