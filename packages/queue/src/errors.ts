/** Raised by the durable queue. */
export class QueueError extends Error {
  override readonly name = "QueueError";
  readonly code: "QUEUE_FULL" | "QUEUE_CLOSED" | "QUEUE_IO" | "QUEUE_TOO_LARGE";

  constructor(code: QueueError["code"], message: string, options?: { cause?: unknown }) {
    super(`[queue] ${message}`, options);
    this.code = code;
  }
}
