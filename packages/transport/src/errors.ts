/** Stable codes of {@link TransportError}. */
export type TransportErrorCode =
  | "TRANSPORT_HTTP"
  | "TRANSPORT_TIMEOUT"
  | "TRANSPORT_CONNECTION"
  | "TRANSPORT_TLS"
  | "TRANSPORT_IO"
  | "TRANSPORT_ABORTED";

/** Fields of a {@link TransportError}; `message` is prefixed with `[transport] `. */
export interface TransportErrorInit {
  code: TransportErrorCode;
  message: string;
  /** The vmanomaly `code` label: the HTTP status, `connection_error`, `timeout`, `ssl_error`, `io_error` (or `aborted`). */
  outcome: string;
  retryable: boolean;
  credentialError?: boolean;
  status?: number;
  body?: string;
  attempts?: number;
  url?: string;
  method?: string;
  hint?: string;
  cause?: unknown;
}

/**
 * A request that did not get a 2xx answer after the retry policy. Its message, `body`, `url` and
 * `hint` never hold a password, token or `Authorization` value.
 */
export class TransportError extends Error {
  override readonly name = "TransportError";
  readonly code: TransportErrorCode;
  /** The vmanomaly `code` label: `"400"`, `"503"`, `connection_error`, `timeout`, `ssl_error`, `io_error`; `aborted` is ours. */
  readonly outcome: string;
  /** HTTP status when the server answered. */
  declare readonly status?: number;
  /** The response body, secrets scrubbed, truncated to 4 KiB. */
  declare readonly body?: string;
  /** Whether a later attempt could succeed (network errors, timeouts, 5xx, 429). */
  readonly retryable: boolean;
  /** 401/403 (and vmauth's 400 for an unknown token): wrong or missing credentials. */
  readonly credentialError: boolean;
  /** Attempts made on the wire, the stale-socket retry included. */
  readonly attempts: number;
  /** The request URL with credentials redacted. */
  readonly url: string;
  readonly method: string;
  /** What to check, when the failure has a usual cause (client certificate, CA bundle, credentials). */
  declare readonly hint?: string;

  constructor(init: TransportErrorInit) {
    super(`[transport] ${init.message}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.outcome = init.outcome;
    this.retryable = init.retryable;
    this.credentialError = init.credentialError ?? false;
    this.attempts = init.attempts ?? 0;
    this.url = init.url ?? "";
    this.method = init.method ?? "";
    // Absent fields stay absent (no `status: undefined` in logs).
    const optional = this as { status?: number; body?: string; hint?: string };
    if (init.status !== undefined) optional.status = init.status;
    if (init.body !== undefined) optional.body = init.body;
    if (init.hint !== undefined) optional.hint = init.hint;
  }
}

/** Invalid transport options or request URL (a programming or configuration mistake, never retried). */
export class TransportConfigError extends Error {
  override readonly name = "TransportConfigError";
  readonly code = "TRANSPORT_CONFIG_INVALID";
  /** Every problem found, one sentence each. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super(
      `[transport] ${problems.length === 1 ? problems[0] : `invalid options:\n  - ${problems.join("\n  - ")}`}`,
      options,
    );
    this.problems = problems;
  }
}
