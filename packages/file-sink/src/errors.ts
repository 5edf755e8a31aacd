/** Stable codes of {@link FileSinkError}. */
export type FileSinkErrorCode = "OPTIONS_INVALID" | "CHUNK_INVALID" | "FILE_WRITE_FAILED" | "FILE_SINK_CLOSED";

/**
 * Bad options (`OPTIONS_INVALID`, every problem in `problems`), a chunk that is not complete
 * lines (`CHUNK_INVALID`), a failed open, write, fsync or rotation (`FILE_WRITE_FAILED`, the
 * system error in `cause`), a write after close (`FILE_SINK_CLOSED`). Messages start with `[file-sink] `.
 */
export class FileSinkError extends Error {
  override readonly name = "FileSinkError";
  readonly code: FileSinkErrorCode;
  /** For `OPTIONS_INVALID`: each problem on its own. */
  readonly problems: readonly string[];
  /** The file concerned, when there is one. */
  declare readonly path?: string;

  constructor(
    code: FileSinkErrorCode,
    message: string,
    options: { cause?: unknown; problems?: readonly string[]; path?: string } = {},
  ) {
    super(`[file-sink] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options.problems ?? [];
    if (options.path !== undefined) this.path = options.path;
  }
}
