/** Retry policy (spec §4). */
export interface RetryOptions {
  /**
   * Total attempts including the first; `Infinity` retries until success or abort (durable queue).
   * vmanomaly's `connection_retry_attempts: N` counts retries after the first attempt: pass `N + 1`.
   * Default 2 (vmanomaly's default of one retry). The one immediate stale-socket retry is not counted.
   */
  attempts?: number;
  /** First backoff delay. Default 1000. */
  baseDelayMs?: number;
  /** Cap of the exponential delay and of a `Retry-After` delay. Default 60000. */
  maxDelayMs?: number;
  /** Random extra delay as a fraction of the delay: 0.1 adds 0-10 %. Default 0.1. */
  jitter?: number;
}

/** One attempt on the wire, reported to `hooks.onAttempt` (failed ones included). */
export interface AttemptInfo {
  /** Request URL, credentials redacted. */
  readonly url: string;
  readonly method: string;
  /** 1-based number of this attempt on the wire. */
  readonly attempt: number;
  readonly durationMs: number;
  /** `"204"`, `"400"`, ... or `connection_error`, `timeout`, `ssl_error`, `io_error`; `aborted` when the caller aborted. */
  readonly code: string;
  /** A 2xx answer. */
  readonly ok: boolean;
  /** Request body bytes handed to the connection (compressed size when gzip is on). */
  readonly bytesSent: number;
  /** Another attempt follows. */
  readonly willRetry: boolean;
  /** Delay before the next attempt, when `willRetry`. */
  readonly delayMs?: number;
  /** HTTP status when the server answered. */
  readonly status?: number;
  /** This attempt failed on a kept-alive connection the server had already closed; it is retried at once. */
  readonly staleSocket?: boolean;
  /** Why a failed attempt failed, one line, secrets scrubbed. */
  readonly reason?: string;
  /** The request's `context` (e.g. `query_key`). */
  readonly context?: Readonly<Record<string, string>>;
}

/** Clock and sleep used for durations, `Retry-After` dates and backoff (injected by tests). */
export interface TransportClock {
  /** Wall-clock milliseconds (`Date.now()`). */
  now(): number;
  /** Resolve after `ms`; reject when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Options of `createTransport`. */
export interface TransportOptions {
  /** HTTP basic auth user. */
  user?: string;
  /** HTTP basic auth password. */
  password?: string;
  /** `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** File holding the bearer token; re-read when its size or mtime changes (rotation). Surrounding whitespace trimmed. */
  bearerTokenFile?: string;
  /** `true` (default): verify with Node's trusted CAs; `false`: no verification; a path: verify against that CA bundle only. */
  verifyTls?: boolean | string;
  /** Client certificate (PEM) for mTLS; needs `tlsKeyFile`. */
  tlsCertFile?: string;
  /** Client key (PEM) for mTLS; needs `tlsCertFile`. */
  tlsKeyFile?: string;
  /** Per attempt, from connecting to the last byte of the response. Default 5000. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Compress request bodies (`Content-Encoding: gzip`). Default off; level 1 when on. */
  gzip?: boolean | { level?: number };
  /** Reuse connections. Default true. */
  keepAlive?: boolean;
  /** Connections per origin. Default unlimited. */
  maxConnections?: number;
  hooks?: { onAttempt?: (info: AttemptInfo) => void };
  clock?: TransportClock;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Default `anomaly-writer-transport/0.1`. */
  userAgent?: string;
}

/** Per-request options. */
export interface RequestOptions {
  /** Extra headers; an `authorization` header here replaces the transport's credentials. */
  headers?: Record<string, string>;
  /** Content-Type of a body. Default `application/json`. */
  contentType?: string;
  /** Override the transport's gzip setting for this request. */
  gzip?: boolean;
  /** Abort the request (and its retries and backoff). */
  signal?: AbortSignal;
  /** Passed to hooks as is, e.g. `{ query_key }`. */
  context?: Readonly<Record<string, string>>;
  /** Override the transport's retry policy, field by field. */
  retry?: RetryOptions;
  /** Override the transport's per-attempt timeout. */
  timeoutMs?: number;
}

/**
 * A request body. A stream is given as a factory so that a retry can replay it; each attempt
 * calls it once and streams the chunks (through gzip when on) without holding them all.
 */
export type RequestBody = string | Uint8Array | (() => AsyncIterable<Uint8Array | string>);

/** A 2xx answer. */
export interface TransportResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Attempts made on the wire, this one included. */
  readonly attempts: number;
  /** Body bytes of the successful attempt (compressed size when gzip is on). */
  readonly bytesSent: number;
  /** From the first attempt to the end of the last, backoff included. */
  readonly durationMs: number;
}

/** An HTTP client with auth, TLS, timeouts, retries and gzip. */
export interface Transport {
  /** POST; resolves on 2xx only, otherwise throws `TransportError` after the retry policy. */
  post(url: string, body: RequestBody, options?: RequestOptions): Promise<TransportResponse>;
  /** GET; resolves on 2xx only, otherwise throws `TransportError` after the retry policy. */
  get(url: string, options?: RequestOptions): Promise<TransportResponse>;
  /** Abort requests in flight and backoff waits, close connections. Later requests fail with `TRANSPORT_ABORTED`. */
  close(): Promise<void>;
}
