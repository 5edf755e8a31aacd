/** Stable codes of {@link HealthcheckError}. */
export type HealthcheckErrorCode =
  | "HEALTHCHECK_INVALID_URL"
  | "HEALTHCHECK_INVALID_OPTIONS"
  | "HEALTHCHECK_SERVER_FAILED"
  | "HEALTHCHECK_PUSH_FAILED";

/** Raised by the healthcheck package; the message never holds credentials. */
export class HealthcheckError extends Error {
  override readonly name = "HealthcheckError";
  readonly code: HealthcheckErrorCode;
  /** The URL involved, without credentials, when there is one. */
  readonly url: string | undefined;

  constructor(code: HealthcheckErrorCode, message: string, options?: { cause?: unknown; url?: string }) {
    super(`[healthcheck] ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.url = options?.url;
  }
}
