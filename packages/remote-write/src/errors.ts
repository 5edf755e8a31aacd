/** Stable codes of {@link RemoteWriteError}. */
export type RemoteWriteErrorCode = "SERIES_INVALID" | "SNAPPY_UNAVAILABLE" | "DECODE_FAILED" | "OPTIONS_INVALID";

/**
 * A series that cannot be encoded (`SERIES_INVALID`), a snappy implementation that cannot be
 * loaded (`SNAPPY_UNAVAILABLE`), a body that is not a remote-write request (`DECODE_FAILED`) or a
 * bad option (`OPTIONS_INVALID`). Messages start with `[remote-write] `.
 */
export class RemoteWriteError extends Error {
  override readonly name = "RemoteWriteError";
  readonly code: RemoteWriteErrorCode;
  /** For `SERIES_INVALID`: the position of the offending series in the input. */
  declare readonly seriesIndex?: number;

  constructor(code: RemoteWriteErrorCode, message: string, options?: { cause?: unknown; seriesIndex?: number }) {
    super(`[remote-write] ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.seriesIndex !== undefined) this.seriesIndex = options.seriesIndex;
  }
}
