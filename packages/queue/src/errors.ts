/** Stable codes of {@link QueueError}. */
export type QueueErrorCode =
  /** The data waiting in the queue reached `maxBytes`. */
  | "QUEUE_FULL"
  /** One append is larger than the whole cap. */
  | "QUEUE_TOO_LARGE"
  /** The disk holding the queue is full (ENOSPC, EDQUOT): nothing of the append was stored. */
  | "QUEUE_NO_SPACE"
  | "QUEUE_CLOSED"
  | "QUEUE_IO"
  /** Another process holds the queue directory. */
  | "QUEUE_LOCKED"
  /** A segment is missing or cannot be read: the queue does not open rather than skip acknowledged data. */
  | "QUEUE_DAMAGED";

/** Raised by the durable queue. */
export class QueueError extends Error {
  override readonly name = "QueueError";
  readonly code: QueueErrorCode;

  constructor(code: QueueErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[queue] ${message}`, options);
    this.code = code;
  }
}

/** True for the errors of a full disk or quota. */
export function isNoSpaceError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}
